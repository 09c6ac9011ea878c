// repmgr 5.3's exit codes (errcode.h), so scripts written for repmgr read ours the same way.
#pragma once

namespace pgwarden::cli {

inline constexpr int kSuccess = 0;
inline constexpr int kErrBadConfig = 1;
inline constexpr int kErrNoRestart = 4;
inline constexpr int kErrDbConn = 6;
inline constexpr int kErrDbQuery = 7;
inline constexpr int kErrPromotionFail = 8;
inline constexpr int kErrBadBasebackup = 14;
inline constexpr int kErrInternal = 15;
inline constexpr int kErrRegistrationSync = 20;
inline constexpr int kErrFollowFail = 23;
inline constexpr int kErrNodeStatus = 25;
inline constexpr int kErrRepmgrdPause = 26;
inline constexpr int kErrRepmgrdService = 27;

}  // namespace pgwarden::cli
