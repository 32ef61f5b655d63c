# berth_expose_headers(<target> <entry>...): makes the headers of <target>'s layer includable
# as "<layer>/x.h" by <target> and by what links it, and by nothing else. An <entry> is a folder
# under src/ (every header directly in it) or one header (path under src/). The headers appear
# as symlinks under build/include/<target>/, which is <target>'s PUBLIC include directory, so a
# target that includes a header of a layer it does not link fails to compile.
function(berth_expose_headers target)
  set(root ${PROJECT_BINARY_DIR}/include/${target})
  file(REMOVE_RECURSE ${root})
  foreach(entry ${ARGN})
    if(entry MATCHES "\\.h$")
      set(headers ${PROJECT_SOURCE_DIR}/src/${entry})
      get_filename_component(dir ${entry} DIRECTORY)
    else()
      # CONFIGURE_DEPENDS: a header added later re-runs the configure step, which links it.
      file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${entry}/*.h)
      set(dir ${entry})
    endif()
    file(MAKE_DIRECTORY ${root}/${dir})
    foreach(header ${headers})
      get_filename_component(name ${header} NAME)
      file(CREATE_LINK ${header} ${root}/${dir}/${name} SYMBOLIC)
    endforeach()
  endforeach()
  target_include_directories(${target} PUBLIC ${root})
endfunction()
