#include "core/Logging.h"

// Debug output is opt-in (QT_LOGGING_RULES="atalaya.*.debug=true"): the request path logs at debug.

Q_LOGGING_CATEGORY(lcServer, "atalaya.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "atalaya.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcInference, "atalaya.inference", QtInfoMsg)
Q_LOGGING_CATEGORY(lcModels, "atalaya.models", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTelemetry, "atalaya.telemetry", QtInfoMsg)
