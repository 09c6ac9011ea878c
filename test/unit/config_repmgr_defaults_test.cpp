// repmgr.conf as whole files: repmgr 5.3.3's defaults and key order, a file as users write it,
// and the samples shipped in etc/ (the value rules: config_repmgr_test.cpp).
#include "config/repmgr_config.hpp"

#include "config_repmgr_fixture.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgwarden::config;
using namespace pgwarden::test;

namespace {

// `repmgr -f FILE --dump-config` of kRequiredRepmgrConf, from Debian 12's repmgr 5.3.3.
constexpr const char* kRepmgrDump = R"(node_id|1
node_name|node1
conninfo|host=node1 user=repmgr dbname=repmgr connect_timeout=2
replication_user|
data_directory|/var/lib/postgresql/15/main
config_directory|
pg_bindir|
repmgr_bindir|
replication_type|physical
log_level|
log_facility|
log_file|
log_status_interval|300
use_replication_slots|false
pg_basebackup_options|
restore_command|
tablespace_mapping|
recovery_min_apply_delay|
archive_cleanup_command|
use_primary_conninfo_password|false
passfile|
promote_check_timeout|60
promote_check_interval|1
primary_follow_timeout|60
standby_follow_timeout|30
standby_follow_restart|false
shutdown_check_timeout|60
standby_reconnect_timeout|60
wal_receive_check_timeout|30
node_rejoin_timeout|60
archive_ready_warning|16
archive_ready_critical|128
replication_lag_warning|300
replication_lag_critical|600
witness_sync_interval|15
failover|manual
location|default
priority|100
promote_command|
follow_command|
monitor_interval_secs|2
reconnect_attempts|6
reconnect_interval|10
monitoring_history|false
degraded_monitoring_timeout|-1
async_query_timeout|60
primary_notification_timeout|60
repmgrd_standby_startup_timeout|60
repmgrd_pid_file|
repmgrd_exit_on_inactive_node|false
standby_disconnect_on_failover|false
sibling_nodes_disconnect_timeout|30
connection_check_type|ping
primary_visibility_consensus|false
always_promote|false
failover_validation_command|
election_rerun_interval|15
child_nodes_check_interval|5
child_nodes_disconnect_min_count|-1
child_nodes_connected_min_count|-1
child_nodes_connected_include_witness|false
child_nodes_disconnect_timeout|30
child_nodes_disconnect_command|
pg_ctl_options|
service_start_command|
service_stop_command|
service_restart_command|
service_reload_command|
service_promote_command|
repmgrd_service_start_command|
repmgrd_service_stop_command|
event_notification_command|
event_notifications|
barman_host|
barman_server|
barman_config|
rsync_options|
ssh_options|-q -o ConnectTimeout=10
reconnect_loop_sync|false
promote_delay|0
failover_delay|0
connection_check_query|SELECT 1
)";

}  // namespace

TEST_CASE("defaults and key order match repmgr 5.3.3's --dump-config") {
    const auto config = repmgr_conf_from_text(kRequiredRepmgrConf);
    CHECK(dump_repmgr_config(config) == kRepmgrDump);
    CHECK(config.warnings.empty());
    CHECK(config.config_file == kRepmgrConfFile);
}

TEST_CASE("a repmgr.conf as users write it is read into typed settings") {
    TempDir dir;
    const std::string path = dir.write(
        "repmgr.conf",
        "# node1\n"
        "node_id=1\n"
        "node_name='node1'\n"
        "conninfo='host=node1 user=repmgr dbname=repmgr connect_timeout=2'\n"
        "data_directory='/var/lib/postgresql/15/main/'\n"
        "pg_bindir='/usr/lib/postgresql/15/bin'\n"
        "use_replication_slots=yes\n"
        "failover=automatic\n"
        "priority=90\n"
        "location='dc1'\n"
        "promote_command='/usr/bin/repmgr standby promote -f /etc/repmgr.conf --log-to-file'\n"
        "follow_command='/usr/bin/repmgr standby follow -f /etc/repmgr.conf --log-to-file "
        "--upstream-node-id=%n'\n"
        "monitor_interval_secs=2\n"
        "connection_check_type='query'\n"
        "reconnect_attempts=4\n"
        "reconnect_interval=5\n"
        "monitoring_history=on\n"
        "log_level='NOTICE'\n"
        "log_file='/var/log/postgresql/repmgr.log'\n"
        "event_notifications='repmgrd_failover_promote, repmgrd_failover_follow'\n");
    const auto config = load_repmgr_conf(path);
    CHECK(config.node_id == 1);
    CHECK(config.node_name == "node1");
    CHECK(config.conninfo == "host=node1 user=repmgr dbname=repmgr connect_timeout=2");
    CHECK(config.data_directory == "/var/lib/postgresql/15/main");  // trailing '/' dropped
    CHECK(config.use_replication_slots);
    CHECK(config.failover == FailoverMode::automatic);
    CHECK(config.priority == 90);
    CHECK(config.location == "dc1");
    CHECK(config.promote_command ==
          "/usr/bin/repmgr standby promote -f /etc/repmgr.conf --log-to-file");
    CHECK(config.follow_command ==
          "/usr/bin/repmgr standby follow -f /etc/repmgr.conf --log-to-file --upstream-node-id=%n");
    CHECK(config.connection_check_type == ConnectionCheckType::query);
    CHECK(config.reconnect_attempts == 4);
    CHECK(config.reconnect_interval == 5);
    CHECK(config.monitoring_history);
    CHECK(config.log_level == pgwarden::log::Level::notice);
    CHECK(config.log_file == "/var/log/postgresql/repmgr.log");
    CHECK(config.event_notifications ==
          std::vector<std::string>{"repmgrd_failover_promote", "repmgrd_failover_follow"});
    CHECK(config.warnings.empty());
    CHECK(config.config_file == path);
    CHECK_NOTHROW(check_repmgrd_requirements(config));
}

TEST_CASE("the shipped repmgr.conf samples (Debian, PGDG) load without a warning") {
    for (const char* sample : {"etc/repmgr.conf.sample", "etc/repmgr.conf.pgdg.sample"}) {
        INFO(sample);
        const auto config = load_repmgr_conf((source_dir() / sample).string());
        CHECK(config.warnings.empty());
        CHECK(config.node_id == 1);
        CHECK(config.failover == FailoverMode::automatic);
        CHECK(config.conninfo.find("connect_timeout=2") != std::string::npos);
        CHECK_NOTHROW(check_repmgrd_requirements(config));
    }
    const auto pgdg = load_repmgr_conf((source_dir() / "etc/repmgr.conf.pgdg.sample").string());
    CHECK(pgdg.data_directory == "/var/lib/pgsql/12/data");
    CHECK(pgdg.pg_bindir == "/usr/pgsql-12/bin");
    CHECK(pgdg.repmgrd_pid_file == "/run/repmgr/repmgrd-12.pid");
}
