// SystemC's library references sc_main (extern "C"); our executables have their own main(), so this
// is never called. It exists only to satisfy the link.
extern "C" int sc_main(int, char**) { return 0; }
