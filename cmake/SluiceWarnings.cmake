# The warning set every sluice target is held to (DEVELOPERS.md). Errors only where asked,
# so that a newer compiler's new warning does not break a user's build of the examples.
set(SLUICE_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wshadow)
option(SLUICE_WERROR "Treat warnings as errors in sluice's own targets" OFF)

function(sluice_set_warnings target)
  target_compile_options(${target} PRIVATE ${SLUICE_WARNINGS})
  if(SLUICE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
