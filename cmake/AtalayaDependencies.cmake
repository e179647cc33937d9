# Every dependency is a Debian 12 package; scripts/install-deps.sh installs them.
find_package(Qt6 6.4 REQUIRED COMPONENTS Core Network Sql Test)
if(ATALAYA_BUILD_CONSOLE)
    find_package(Qt6 6.4 REQUIRED COMPONENTS Gui Widgets Charts)
endif()
find_package(Boost 1.74 REQUIRED)                 # Beast and Asio are header-only
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
if(NOT ATALAYA_FUZZ)                              # the fuzzers reach no model
    find_package(Torch REQUIRED)
endif()
find_package(Threads REQUIRED)
find_package(SQLite3 3.37 REQUIRED)               # the inference log (UPSERT, sqlite3_changes64)
# Debian's python3-torch lives in the system interpreter, not in a pyenv or venv one.
set(ATALAYA_MODEL_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python with Debian's python3-torch, used to create demo models")
