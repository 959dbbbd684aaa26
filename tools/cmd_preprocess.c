/* Placeholder until the command is written. */
#include "cli.h"
int cmd_preprocess(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("preprocess", "not implemented yet");
}
