// Processes the harness did not spawn itself but must see gone (a postmaster started by
// pg_ctl, its children), read from /proc, and becoming the subreaper that can reap them.
#pragma once

#include <sys/types.h>

#include <vector>

namespace pgwarden::test {

// For processes we started but cannot waitpid() on directly (a postmaster started by pg_ctl,
// orphaned and re-parented): reaps `pid` if it became our child, and reports whether it is gone
// (no such process, or a zombie some other parent has yet to reap).
bool process_gone(pid_t pid);

// Direct children of `pid`, read from /proc (used before SIGKILLing a postmaster, whose
// children must be waited for too).
std::vector<pid_t> children_of(pid_t pid);

// Makes this process adopt orphaned descendants (PR_SET_CHILD_SUBREAPER), so a postmaster left
// by pg_ctl can be reaped and waited for here instead of lingering as a zombie under a container
// init that never reaps. Idempotent.
void become_subreaper();

}  // namespace pgwarden::test
