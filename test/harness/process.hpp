// Child processes for tests, one header per concern; this one includes them all for tests that
// use several. Every child gets its own process group, so a signal aimed at it never reaches
// the test.
#pragma once

#include "child_process.hpp"  // ChildProcess: an RAII background process logging to a file
#include "log_file.hpp"       // file_contents, tail_file, wait_for_log
#include "postgres_user.hpp"  // give_to_postgres: running as postgres when the tests run as root
#include "process_table.hpp"  // process_gone, children_of, become_subreaper
#include "run_command.hpp"    // run_command, run_checked: bounded run with captured output
#include "spawn.hpp"          // quote_command
