// xpusim._xpusim: the pybind11 layer over the library facade (include/xpusim/xpusim.h). The Python
// package (python/xpusim/__init__.py) turns what these functions return into Python objects.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "xpusim/xpusim.h"

namespace py = pybind11;

namespace {

xpusim::Overrides overrides(const py::dict& set) {
  xpusim::Overrides out;
  for (const auto& [k, v] : set) out.emplace_back(py::str(k).cast<std::string>(), py::str(v).cast<std::string>());
  return out;
}

const char* kind_name(xpusim::Error::Kind k) {
  switch (k) {
    case xpusim::Error::Kind::Config: return "ConfigError";
    case xpusim::Error::Kind::Input: return "InputError";
    case xpusim::Error::Kind::Simulation: return "SimulationError";
    case xpusim::Error::Kind::Internal: return "InternalError";
  }
  return "Error";
}

}  // namespace

PYBIND11_MODULE(_xpusim, m) {
  m.doc() = "xpusim's C++ core (use the xpusim package, not this module)";

  // xpusim::Error -> the package's exception classes (xpusim/errors.py), with file/line/column/key.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const xpusim::Error& e) {
      py::object errors = py::module_::import("xpusim.errors");
      py::object cls = errors.attr(kind_name(e.kind()));
      py::object exc = cls(e.what());
      exc.attr("file") = e.file().empty() ? py::object(py::none()) : py::object(py::str(e.file()));
      exc.attr("line") = e.line() > 0 ? py::object(py::int_(e.line())) : py::object(py::none());
      exc.attr("column") = e.column() > 0 ? py::object(py::int_(e.column())) : py::object(py::none());
      exc.attr("key") = e.key().empty() ? py::object(py::none()) : py::object(py::str(e.key()));
      PyErr_SetObject(cls.ptr(), exc.ptr());
    }
  });

  m.def("version", &xpusim::version);

  py::class_<xpusim::RunResult>(m, "RunResult")
      .def_readonly("step_time_s", &xpusim::RunResult::step_time_s)
      .def_readonly("summary_text", &xpusim::RunResult::summary_text)
      .def_readonly("summary_json", &xpusim::RunResult::summary_json)
      .def_readonly("ops_csv", &xpusim::RunResult::ops_csv)
      .def_readonly("links_csv", &xpusim::RunResult::links_csv)
      .def_readonly("trace_json", &xpusim::RunResult::trace_json)
      .def_readonly("html", &xpusim::RunResult::html);

  m.def(
      "run",
      [](const std::string& arch, const std::string& workload, const py::dict& set, int ranks, bool symmetry, bool timeline) {
        xpusim::RunOptions o;
        o.arch = arch;
        o.workload = workload;
        o.set = overrides(set);
        o.ranks = ranks;
        o.symmetry = symmetry;
        o.timeline = timeline;
        py::gil_scoped_release nogil;
        return xpusim::run(o);
      },
      py::arg("arch"), py::arg("workload"), py::arg("set"), py::arg("ranks"), py::arg("symmetry"), py::arg("timeline"));

  m.def("write_run_files", [](const xpusim::RunResult& r, const std::string& dir) { xpusim::write_run_files(r, dir); });

  m.def(
      "op",
      [](const std::string& arch, const std::string& op, const py::dict& set, bool extrapolate) {
        auto o = overrides(set);
        py::gil_scoped_release nogil;
        return xpusim::op(arch, op, o, extrapolate).json;
      },
      py::arg("arch"), py::arg("op"), py::arg("set"), py::arg("extrapolate"));

  m.def(
      "mem",
      [](const std::string& arch, const std::string& preset, const py::dict& set, const std::string& pattern,
         const std::string& bytes, const std::string& rw, const std::string& request_size, const std::string& stride,
         const std::string& mode, unsigned long long seed) {
        xpusim::MemOptions o;
        o.arch = arch;
        o.preset = preset;
        o.set = overrides(set);
        o.pattern = pattern;
        o.bytes = bytes;
        o.rw = rw;
        o.request_size = request_size;
        o.stride = stride;
        o.mode = mode;
        o.seed = seed;
        py::gil_scoped_release nogil;
        return xpusim::mem(o).json;
      });

  m.def("coll", [](const std::string& arch, const py::dict& set, const std::string& op, const std::string& bytes, int ranks,
                   const std::string& algorithm, bool all) {
    xpusim::CollOptions o;
    o.arch = arch;
    o.set = overrides(set);
    o.op = op;
    o.bytes = bytes;
    o.ranks = ranks;
    o.algorithm = algorithm;
    o.all = all;
    py::gil_scoped_release nogil;
    return xpusim::coll(o).json;
  });

  m.def(
      "cli",
      [](const std::vector<std::string>& args, bool throw_errors) {
        xpusim::CliResult r;
        {
          py::gil_scoped_release nogil;
          r = xpusim::cli(args, throw_errors);
        }
        return py::make_tuple(r.exit_code, r.out, r.err);
      },
      py::arg("args"), py::arg("throw_errors") = true);
}
