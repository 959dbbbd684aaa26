/* Placeholder until the command is written. */
#include "cli.h"
int cmd_classify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("classify", "not implemented yet");
}
