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
