// repmgr 5.3's exit codes (errcode.h), the one set the CLI, the daemon and the probe exit with,
// so scripts written for repmgr and repmgrd read ours the same way.
#pragma once

namespace pgwarden::model {

inline constexpr int kSuccess = 0;
inline constexpr int kErrBadConfig = 1;
inline constexpr int kErrBadRsync = 2;
inline constexpr int kErrBadPidfile = 3;
inline constexpr int kErrNoRestart = 4;
inline constexpr int kErrLocalCommand = 5;
inline constexpr int kErrDbConn = 6;
inline constexpr int kErrDbQuery = 7;
inline constexpr int kErrPromotionFail = 8;
inline constexpr int kErrMonitoringTimeout = 9;
inline constexpr int kErrStrOverflow = 10;
inline constexpr int kErrFailoverFail = 11;
inline constexpr int kErrBadSsh = 12;
inline constexpr int kErrSysFailure = 13;
inline constexpr int kErrBadBasebackup = 14;
inline constexpr int kErrInternal = 15;
inline constexpr int kErrMonitoringFail = 16;
inline constexpr int kErrBadBackupLabel = 17;
inline constexpr int kErrSwitchoverFail = 18;
inline constexpr int kErrBarman = 19;
inline constexpr int kErrRegistrationSync = 20;
inline constexpr int kErrOutOfMemory = 21;
inline constexpr int kErrSwitchoverIncomplete = 22;
inline constexpr int kErrFollowFail = 23;
inline constexpr int kErrRejoinFail = 24;
inline constexpr int kErrNodeStatus = 25;
inline constexpr int kErrRepmgrdPause = 26;
inline constexpr int kErrRepmgrdService = 27;
inline constexpr int kErrPgbackapiService = 28;

}  // namespace pgwarden::model
