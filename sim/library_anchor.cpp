// libxpusim is built from the module object libraries (sim/*); a library target needs one source of
// its own. Nothing else lives here.
namespace xpusim::detail {
int library_anchor() { return 0; }
}  // namespace xpusim::detail
