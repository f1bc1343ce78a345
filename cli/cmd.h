/*  cli/cmd.h - the subcommands of `cohort`, one per cli/cmd_<name>.c. */
#ifndef CLI_CMD_H
#define CLI_CMD_H

int cli_cmd_bench  (int argc, char **argv);
int cli_cmd_keygen (int argc, char **argv);
int cli_cmd_demo   (int argc, char **argv);
int cli_cmd_train    (int argc, char **argv);
int cli_cmd_predict  (int argc, char **argv);
int cli_cmd_evaluate (int argc, char **argv);
int cli_cmd_privacy (int argc, char **argv);
int cli_cmd_audit  (int argc, char **argv);
int cli_cmd_ingest (int argc, char **argv);
int cli_cmd_device_sim (int argc, char **argv);
int cli_cmd_coordinator (int argc, char **argv);
int cli_cmd_site (int argc, char **argv);
int cli_cmd_study (int argc, char **argv);
int cli_cmd_simulate (int argc, char **argv);
int cli_cmd_report (int argc, char **argv);

#endif
