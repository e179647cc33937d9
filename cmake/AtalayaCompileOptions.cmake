# Warnings and Qt hygiene shared by every Atalaya target (applied through atalaya_options).
add_library(atalaya_options INTERFACE)
target_compile_options(atalaya_options INTERFACE -Wall -Wextra -Wpedantic)
target_compile_definitions(atalaya_options INTERFACE
    QT_NO_KEYWORDS
    QT_NO_URL_CAST_FROM_STRING
    QT_USE_QSTRINGBUILDER
    QT_NO_CAST_FROM_BYTEARRAY
    ATALAYA_VERSION="${PROJECT_VERSION}")
if(ATALAYA_SANITIZE)
    target_compile_options(atalaya_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(atalaya_options INTERFACE -fsanitize=address,undefined)
endif()
# Fuzz build: every library is instrumented for coverage and checked by ASan and UBSan; any UB
# aborts, so libFuzzer reports it as a crash. The fuzz targets add -fsanitize=fuzzer (the driver).
# A Debug build (assertions on) at -O1 with line tables only: what fuzzing usually runs, and it
# compiles in about half the time of -O2 -g with the sanitizers.
if(ATALAYA_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "ATALAYA_FUZZ needs clang (libFuzzer): use the fuzz preset")
    endif()
    target_compile_options(atalaya_options INTERFACE
        -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
        -fno-omit-frame-pointer -O1 -gline-tables-only)
    target_link_options(atalaya_options INTERFACE -fsanitize=address,undefined)
endif()
