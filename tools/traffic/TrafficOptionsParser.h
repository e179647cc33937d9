#pragma once

#include <atalaya/Result.h>

#include <QByteArray>

#include "TrafficRunner.h"

class QCommandLineParser;

namespace atalaya::traffic {

// The command line of atalaya-traffic (--help lists it): --url, --token, --rate, --seconds,
// --shift-after, --shift NAME=VALUE (repeatable), --instances, --seed, --wait-ready,
// --max-in-flight. --shift without --shift-after shifts from the start; --shift-after without
// --shift applies defaultShift().
void addTrafficOptions(QCommandLineParser& parser);

// `environmentToken` (ATALAYA_TOKEN) is used when --token is absent: a token on the command
// line is visible to every user of the machine in the process list.
Result<TrafficOptions> trafficOptionsFrom(const QCommandLineParser& parser,
                                          const QByteArray& environmentToken);

}  // namespace atalaya::traffic
