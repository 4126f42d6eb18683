// HTML reports of the studies (`xpusim scale|plan|sweep ... --html FILE`): self-contained pages
// with the table and inline SVG plots, built from sim/report/html.h's pieces.
#pragma once

#include <string>
#include <vector>

#include "sim/study/plan.h"
#include "sim/study/point.h"
#include "sim/study/scaling.h"
#include "sim/study/sweep.h"

namespace xpu::study {

// Step time, tokens/s per chip, scaling efficiency and exposed communication against chips, per mode.
std::string html_scaling_report(const ScalingStudy& s);
// The ranked simulated layouts and step time against HBM footprint (Pareto front marked).
std::string html_plan_report(const Plan& p, std::size_t top);
// One row per point and step time per point.
std::string html_sweep_report(const SweepSpec& spec, const std::vector<Point>& points, const std::vector<Metrics>& results);

}  // namespace xpu::study
