// xpusim: the command-line tool. Everything it does is in libxpusim (sim/cli/tool_main.cpp: MPI,
// then the subcommand registry of sim/cli/command.h and the exit codes listed there).
#include "sim/cli/tool.h"

int main(int argc, char** argv) { return xpusim_tool_main(argc, argv); }
