#pragma once

namespace atalaya::bench {

// How busy the machine was while something was measured, split into this process and
// everything else. Other processes (a compiler, another benchmark) on a 2-core box distort the
// figures far more than the client does, so each point reports what they took.
struct CpuSample {
    double machineBusySeconds = 0;  // all cores, from /proc/stat
    double selfSeconds = 0;         // this process, user + system
    double threadSeconds = 0;       // the calling thread only
    double wallSeconds = 0;
};

struct CpuShare {
    double selfCores = 0;    // mean cores used by this process (server + client + raw runner)
    double otherCores = 0;   // mean cores used by every other process
    double threadCores = 0;  // mean cores used by the thread that took both samples
};

// Both samples of a CpuShare must come from the same thread for threadCores to mean anything.
CpuSample sampleCpu();
CpuShare cpuShareBetween(const CpuSample& before, const CpuSample& after);

}  // namespace atalaya::bench
