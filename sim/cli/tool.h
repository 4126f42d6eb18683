// The entry point of the `xpusim` tool, exported by libxpusim for sim/cli/main.cpp (not part of the
// public interface in include/xpusim/).
#pragma once

extern "C" __attribute__((visibility("default"))) int xpusim_tool_main(int argc, char** argv);
