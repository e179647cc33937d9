#include "CpuMeter.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

namespace atalaya::bench {
namespace {

double timevalSeconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...".
double machineBusySeconds() {
    std::ifstream stat("/proc/stat");
    std::string label;
    long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(stat >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) {
        return 0;
    }
    const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    return static_cast<double>(user + nice + system + irq + softirq + steal) / ticks;
}

}  // namespace

CpuSample sampleCpu() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    timespec thread{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &thread);
    return {.machineBusySeconds = machineBusySeconds(),
            .selfSeconds = timevalSeconds(usage.ru_utime) + timevalSeconds(usage.ru_stime),
            .threadSeconds =
                static_cast<double>(thread.tv_sec) + static_cast<double>(thread.tv_nsec) / 1e9,
            .wallSeconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
                    .count()};
}

CpuShare cpuShareBetween(const CpuSample& before, const CpuSample& after) {
    const double wall = after.wallSeconds - before.wallSeconds;
    if (wall <= 0)
        return {};
    const double self = after.selfSeconds - before.selfSeconds;
    const double machine = after.machineBusySeconds - before.machineBusySeconds;
    // /proc/stat ticks at 100 Hz: clamp the rounding noise away from negative shares.
    return {.selfCores = self / wall,
            .otherCores = std::max(0.0, machine - self) / wall,
            .threadCores = (after.threadSeconds - before.threadSeconds) / wall};
}

}  // namespace atalaya::bench
