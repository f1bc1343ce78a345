/*  tests/unit/support_device.c - device provisioning files for tests
    (support_device.h). */
#include "support_device.h"

#define S_SECRET SUPPORT_DEVICE_SECRET

const support_device_bad_t support_device_bad [] = {
    { "{", "a.device:1:" },
    { "[1]", "device_id" },
    { "{\"patient\":\"Patient/p\",\"epoch\":1,\"aead\":\"aes-256-gcm\"," S_SECRET "}",
      "device_id" },
    { "{\"device_id\":\"a b\",\"patient\":\"Patient/p\",\"epoch\":1,"
      "\"aead\":\"aes-256-gcm\"," S_SECRET "}", "device_id" },
    { "{\"device_id\":\"a\",\"patient\":\"p\",\"epoch\":1,\"aead\":\"aes-256-gcm\","
      S_SECRET "}", "patient" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":0,"
      "\"aead\":\"aes-256-gcm\"," S_SECRET "}", "epoch" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":4294967296,"
      "\"aead\":\"aes-256-gcm\"," S_SECRET "}", "epoch" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":\"1\","
      "\"aead\":\"aes-256-gcm\"," S_SECRET "}", "epoch" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,\"aead\":\"rot13\","
      S_SECRET "}", "aead" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,"
      "\"aead\":\"aes-256-gcm\",\"secret\":\"44\"}", "secret" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,"
      "\"aead\":\"aes-256-gcm\",\"secret\":\"444444444444444444444444444444444444444444444"
      "444444444444444444G\"}", "secret" },
    { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,"
      "\"aead\":\"aes-256-gcm\"}", "secret" },
};

const size_t support_device_bad_count = sizeof support_device_bad / sizeof support_device_bad [0];
