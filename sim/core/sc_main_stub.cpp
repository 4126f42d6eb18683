// SystemC's library references sc_main (extern "C"); our executables have their own main(), so this
// is never called. It exists only to satisfy the link.
// Default visibility: libsystemc resolves it from libxpusim, whose other symbols are hidden.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }
