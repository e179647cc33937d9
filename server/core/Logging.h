#pragma once

#include <QLoggingCategory>

// One category per module, so operators can filter with QT_LOGGING_RULES="atalaya.http.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcInference)
Q_DECLARE_LOGGING_CATEGORY(lcModels)
Q_DECLARE_LOGGING_CATEGORY(lcTelemetry)
