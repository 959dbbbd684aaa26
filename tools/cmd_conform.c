/* Placeholder until the command is written. */
#include "cli.h"
int cmd_conform(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("conform", "not implemented yet");
}
