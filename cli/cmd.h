/*  cli/cmd.h - the subcommands of `cohort`, one per cli/cmd_<name>.c; each
    takes argv from its own name and returns the process exit code (CLI_OK,
    CLI_FAIL, CLI_USAGE: cli/cli.h). `cohort report` is in cmd_study.c with
    the analyst's other commands, and `cohort ingest` is split over
    cmd_ingest.c, cmd_ingest_grant.c and cmd_ingest_contrib.c
    (cli/cmd_ingest.h). */
#ifndef CLI_CMD_H
#define CLI_CMD_H

int cli_cmd_bench  (int argc, char **argv);
int cli_cmd_keygen (int argc, char **argv);
int cli_cmd_admin_totp_enrol (int argc, char **argv);   //  cmd_admin_totp.c
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
int cli_cmd_query (int argc, char **argv);
int cli_cmd_budget (int argc, char **argv);
int cli_cmd_admin  (int argc, char **argv);

#endif
