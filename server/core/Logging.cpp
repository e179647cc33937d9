#include "core/Logging.h"

Q_LOGGING_CATEGORY(lcServer, "atalaya.server")
Q_LOGGING_CATEGORY(lcHttp, "atalaya.http")
Q_LOGGING_CATEGORY(lcInference, "atalaya.inference")
Q_LOGGING_CATEGORY(lcModels, "atalaya.models")
