// The Linux collectors on a fake tree (tests/data/collect/tree): host.info, linux.cifs (escapes, redaction,
// credentials files seen but never read), linux.samba_client through fake testparm scripts, and target.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <sys/stat.h>
#include <sys/time.h>

#include "engine/collect/builtin.hpp"
#include "engine/collect/process.hpp"
#include "engine/collect/registry.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "test_collect_support.hpp"

using namespace kbdiag;
using namespace kbdiag::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* planted = "S3cr3t-Planted-Pa55";

struct Run {
    CollectorOutcome outcome;
    FactStore facts;
};

Run run_one(Collector& c, const CollectOptions& options) {
    FactSink sink;
    Run r;
    r.outcome = c.collect(options, sink);
    r.facts = sink.close(c.id());
    return r;
}

const std::vector<Record>& records(const FactStore& f, const std::string& name) {
    const FactValue* v = f.value(name);
    REQUIRE_MESSAGE(v, name << " has no value");
    REQUIRE(v->is_records());
    return v->as_records();
}

std::string field(const Record& r, const std::string& name) {
    auto it = r.find(name);
    if (it == r.end()) return "<missing>";
    return to_display(it->second);
}

const Record* find_by(const std::vector<Record>& rs, const std::string& key, const std::string& value) {
    for (const auto& r : rs)
        if (field(r, key) == value) return &r;
    return nullptr;
}

void set_mtime(const fs::path& p, std::int64_t epoch) {
    timeval times[2] = {{static_cast<time_t>(epoch), 0}, {static_cast<time_t>(epoch), 0}};
    REQUIRE(::utimes(p.c_str(), times) == 0);
}

CollectOptions tree_options(const std::string& root) {
    CollectOptions o;
    o.root = root;
    o.env["KBDIAG_TESTPARM"] = collect_data("fake-testparm-ok.sh");
    return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------- host.info

TEST_CASE("host.info reads the fake tree") {
    auto c = make_host_collector();
    Run r = run_one(*c, tree_options(collect_data("tree")));
    CHECK(r.outcome.status == CollectorStatus::ok);
    CHECK(r.facts.value("host.name")->as_string() == "kbdiag-test-host");
    CHECK(r.facts.value("host.os_release")->as_string() == "Debian GNU/Linux 12 (bookworm)");
    CHECK(r.facts.value("host.kernel")->as_string() == "6.1.0-99-amd64");
    CHECK(r.facts.value("host.os")->as_string() == "linux");
    REQUIRE(r.facts.value("host.arch"));
    CHECK_FALSE(r.facts.value("host.arch")->as_string().empty());
    CHECK(r.facts.find("host.name")->source == "host.info");
}

TEST_CASE("host.info on an empty tree: partial, with the facts it could not read marked failed") {
    TempDir empty;
    Run r = run_one(*make_host_collector(), tree_options(empty.str()));
    CHECK(r.outcome.status == CollectorStatus::partial);
    CHECK(r.facts.find("host.name")->state == FactState::failed);
    CHECK(r.facts.find("host.kernel")->state == FactState::failed);
    CHECK(r.facts.find("host.os_release")->state == FactState::absent);
    CHECK(r.facts.value("host.os"));
}

// ---------------------------------------------------------------------------------------------- linux.cifs parsing

TEST_CASE("mount fields: octal escapes are decoded, anything else is kept") {
    CHECK(unescape_mount_field("/mnt/team\\040docs") == "/mnt/team docs");
    CHECK(unescape_mount_field("a\\011b\\012c\\134d") == "a\tb\nc\\d");
    CHECK(unescape_mount_field("\\\\server\\share") == "\\\\server\\share");
    CHECK(unescape_mount_field("end\\04") == "end\\04");
    CHECK(unescape_mount_field("bad\\089") == "bad\\089");
    CHECK(unescape_mount_field("nul\\000x") == "nul\\000x");
}

TEST_CASE("mount options: ',,' is a literal comma; secrets are redacted") {
    CHECK(split_mount_options("rw,pass=a,,b,vers=3.0,,") == std::vector<std::string>{"rw", "pass=a,b", "vers=3.0,"});
    CHECK(split_mount_options("") == std::vector<std::string>{});
    std::string red = redact_mount_options(
        split_mount_options(std::string("username=bob%") + planted + ",password=" + planted + ",PASS=" + planted +
                            ",password2=" + planted + ",passwd=" + planted + ",vers=3.0,password,domain=A,,B"));
    CHECK(red ==
          "username=bob%<redacted>,password=<redacted>,PASS=<redacted>,password2=<redacted>,"
          "passwd=<redacted>,vers=3.0,password,domain=A,,B");
    CHECK(red.find(planted) == std::string::npos);
}

TEST_CASE("mount sources: a password in the source's user information is redacted (issue 10 item 13)") {
    std::string user;
    CHECK(source_without_password("//dave:" + std::string(planted) + "@nas01/s8", user) ==
          "//dave:<redacted>@nas01/s8");
    CHECK(user == "dave");
    CHECK(source_without_password("smb://gina:" + std::string(planted) + "@nas01/s4", user) ==
          "smb://gina:<redacted>@nas01/s4");
    CHECK(user == "gina");
    CHECK(source_without_password("//erin%" + std::string(planted) + "@nas01/s5", user) ==
          "//erin:<redacted>@nas01/s5");
    CHECK(source_without_password("//nas01/public", user) == "//nas01/public");
    CHECK(user.empty());
    CHECK(source_without_password("//frank@nas01/s6", user) == "//frank@nas01/s6");
    CHECK(user == "frank");
    // An '@' in the share path is not user information.
    CHECK(source_without_password("//nas01/a@b", user) == "//nas01/a@b");

    auto entries = parse_cifs_table("//dave:" + std::string(planted) + "@nas01/s8 /mnt/s8 cifs rw,vers=3.0 0 0\n"
                                    "smb://gina:" + std::string(planted) + "@nas01:445/s4 /mnt/s4 smb3 rw 0 0\n");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].server == "nas01");
    CHECK(entries[0].share == "s8");
    CHECK(entries[0].username == "dave");
    CHECK(entries[1].server == "nas01:445");
    CHECK(entries[1].share == "s4");
    for (const auto& e : entries) CHECK(e.source.find(planted) == std::string::npos);
}

TEST_CASE("mount options: an octal-escaped comma inside a password does not split it (issue 10 item 13)") {
    auto entries = parse_cifs_table("//nas01/s9 /mnt/s9 cifs password=ab\\054TAIL-" + std::string(planted) +
                                    ",vers=3.0 0 0\n");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].options == "password=<redacted>,vers=3.0");
    CHECK(entries[0].vers == "3.0");
    CHECK(entries[0].options.find("TAIL") == std::string::npos);
}

TEST_CASE("cifs table: fstab entries with escapes, UNC sources, comments and redaction") {
    std::string text, error;
    REQUIRE(read_file(collect_data("tree/etc/fstab"), text, error));
    auto entries = parse_cifs_table(text);
    REQUIRE(entries.size() == 5);

    CHECK(entries[0].source == "//nas01/public");
    CHECK(entries[0].server == "nas01");
    CHECK(entries[0].share == "public");
    CHECK(entries[0].credentials_file == "/etc/cifs/nas01.cred");
    CHECK(entries[0].vers == "3.1.1");

    CHECK(entries[1].share == "Team Docs");
    CHECK(entries[1].mountpoint == "/mnt/team docs");
    CHECK(entries[1].type == "smb3");
    CHECK(entries[1].sec == "ntlmssp");
    CHECK(entries[1].username == "bob");
    CHECK(entries[1].options == "username=bob,password=<redacted>,sec=ntlmssp,vers=3.0");

    CHECK(entries[2].source == "\\\\legacy\\data");
    CHECK(entries[2].server == "legacy");
    CHECK(entries[2].share == "data");
    CHECK(entries[2].username == "carol");
    CHECK(entries[2].vers == "1.0");

    CHECK(entries[3].options == "username=dave,pass=<redacted>,credentials=/etc/cifs/missing.cred,noauto");
    CHECK(entries[4].credentials_file == "/etc/cifs/nas02.cred");   // cred= is the short form
    for (const auto& e : entries) {
        CHECK(e.options.find(planted) == std::string::npos);
        CHECK(e.username.find(planted) == std::string::npos);
        CHECK(e.source.find("old") == std::string::npos);   // the commented-out line
    }
}

TEST_CASE("cifs table: /proc/mounts lines, other file systems ignored") {
    std::string text, error;
    REQUIRE(read_file(collect_data("tree/proc/mounts"), text, error));
    auto entries = parse_cifs_table(text);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].mountpoint == "/mnt/public");
    CHECK(entries[0].username == "alice");
    CHECK(entries[0].vers == "3.1.1");
    CHECK(entries[1].source == "//nas01/Team Docs");
    CHECK(entries[1].sec == "ntlmssp");
    CHECK(parse_cifs_table("garbage\n\n \t \n# cifs cifs cifs\nx y\n//a/b /m cifs\n").size() == 1);
}

// ---------------------------------------------------------------------------------------------- linux.cifs collector

TEST_CASE("linux.cifs: records and credentials files from metadata only") {
    TempDir root;
    copy_fake_tree(root);
    fs::path nas01 = root.path / "etc/cifs/nas01.cred";
    fs::path nas02 = root.path / "etc/cifs/nas02.cred";
    REQUIRE(::chmod(nas01.c_str(), 0600) == 0);
    REQUIRE(::chmod(nas02.c_str(), 0644) == 0);
    set_mtime(nas01, 1764000000);   // 2025-11-24T16:00:00Z

    Run r = run_one(*make_linux_cifs_collector(), tree_options(root.str()));
    CHECK(r.outcome.status == CollectorStatus::ok);
    CHECK(records(r.facts, "linux.cifs.mounts").size() == 2);
    const auto& fstab = records(r.facts, "linux.cifs.fstab_entries");
    CHECK(fstab.size() == 5);
    REQUIRE(find_by(fstab, "share", "Team Docs"));
    CHECK(field(*find_by(fstab, "share", "Team Docs"), "credentials_file") == "<missing>");
    CHECK(field(*find_by(fstab, "share", "public"), "credentials_file") == "/etc/cifs/nas01.cred");
    CHECK(field(records(r.facts, "linux.cifs.mounts")[0], "credentials_file") == "<missing>");

    const auto& files = records(r.facts, "linux.cifs.credentials_files");
    REQUIRE(files.size() == 3);
    const Record* a = find_by(files, "path", "/etc/cifs/nas01.cred");
    const Record* b = find_by(files, "path", "/etc/cifs/nas02.cred");
    const Record* m = find_by(files, "path", "/etc/cifs/missing.cred");
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(m);
    CHECK(std::get<bool>(a->at("exists")));
    CHECK(field(*a, "mode") == "0600");
    CHECK_FALSE(std::get<bool>(a->at("world_readable")));
    CHECK(std::get<std::int64_t>(a->at("modified")) == 1764000000);
    CHECK(field(*b, "mode") == "0644");
    CHECK(std::get<bool>(b->at("world_readable")));
    CHECK_FALSE(std::get<bool>(m->at("exists")));
    CHECK(m->count("mode") == 0);
}

TEST_CASE("linux.cifs: a credentials file is never opened (a FIFO would block any reader)") {
    TempDir root;
    copy_fake_tree(root);
    fs::path fifo = root.path / "etc/cifs/nas01.cred";
    fs::remove(fifo);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Through the registry with a time limit: opening the FIFO for reading would hang until the limit.
    KnowledgeBase kb = collect_test_kb();
    CollectorRegistry reg;
    reg.add(make_linux_cifs_collector());
    CollectOptions options = tree_options(root.str());
    options.time_limit = 2000ms;
    auto t0 = std::chrono::steady_clock::now();
    CollectionResult result = run_collectors(reg, kb, options);
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    REQUIRE(result.reports.size() == 1);
    CHECK(result.reports[0].status == CollectorStatus::ok);
    const Record* a = find_by(records(result.facts, "linux.cifs.credentials_files"), "path", "/etc/cifs/nas01.cred");
    REQUIRE(a);
    CHECK(std::get<bool>(a->at("exists")));
    CHECK(field(*a, "mode") == "0600");
}

TEST_CASE("linux.cifs: a mode-000 credentials file is described without being read") {
    TempDir root;
    copy_fake_tree(root);
    fs::path cred = root.path / "etc/cifs/nas01.cred";
    REQUIRE(::chmod(cred.c_str(), 0) == 0);
    Run r = run_one(*make_linux_cifs_collector(), tree_options(root.str()));
    // Even for a non-root user (who could not read it) the collector is ok: it only stat()s the file.
    CHECK(r.outcome.status == CollectorStatus::ok);
    const Record* a = find_by(records(r.facts, "linux.cifs.credentials_files"), "path", "/etc/cifs/nas01.cred");
    REQUIRE(a);
    CHECK(field(*a, "mode") == "0000");
    CHECK(to_display(*r.facts.value("linux.cifs.credentials_files"), FactType::records).find(planted) ==
          std::string::npos);
}

TEST_CASE("linux.cifs: missing files give empty lists and ok; an unreadable fstab gives partial") {
    TempDir empty;
    Run r = run_one(*make_linux_cifs_collector(), tree_options(empty.str()));
    CHECK(r.outcome.status == CollectorStatus::ok);
    CHECK(records(r.facts, "linux.cifs.mounts").empty());
    CHECK(records(r.facts, "linux.cifs.fstab_entries").empty());
    CHECK(records(r.facts, "linux.cifs.credentials_files").empty());

    TempDir broken;
    copy_fake_tree(broken);
    fs::remove(broken.path / "etc/fstab");
    fs::create_directories(broken.path / "etc/fstab");   // readable by nobody as a file, root included
    Run b = run_one(*make_linux_cifs_collector(), tree_options(broken.str()));
    CHECK(b.outcome.status == CollectorStatus::partial);
    CHECK(b.outcome.message.find("etc/fstab") != std::string::npos);
    CHECK(b.facts.find("linux.cifs.fstab_entries")->state == FactState::failed);
    CHECK(records(b.facts, "linux.cifs.mounts").size() == 2);

    if (!running_as_root()) {
        TempDir denied;
        copy_fake_tree(denied);
        REQUIRE(::chmod((denied.path / "etc/fstab").c_str(), 0) == 0);
        Run d = run_one(*make_linux_cifs_collector(), tree_options(denied.str()));
        CHECK(d.outcome.status == CollectorStatus::partial);
        CHECK(d.facts.find("linux.cifs.fstab_entries")->state == FactState::failed);
    }
}

TEST_CASE("the planted secret appears nowhere in a snapshot of a full collection") {
    TempDir root;
    copy_fake_tree(root);
    KnowledgeBase kb = collect_test_kb();
    CollectOptions options = tree_options(root.str());
    options.target = "\\\\nas01\\public";
    // Every builtin collector except network probes: unit tests do not reach out to "nas01".
    CollectorRegistry reg;
    const CollectorRegistry builtin = builtin_collectors();
    for (const auto& c : builtin.all())
        if (c->id().rfind("probe.", 0) != 0) reg.add(c);
    CollectionResult result = run_collectors(reg, kb, options);
    for (const auto& rep : result.reports)
        if (rep.id == "host.info" || rep.id == "linux.cifs" || rep.id == "linux.samba_client" || rep.id == "target")
            CHECK_MESSAGE(rep.status == CollectorStatus::ok, rep.id << ": " << rep.message);

    Snapshot s;
    s.created = 1764000000;
    s.kbdiag_version = "test";
    s.host_name = "kbdiag-test-host";
    s.platform = "linux";
    s.collectors = result.reports;
    s.facts = result.facts;
    std::string yaml = to_yaml(s, kb);

    // The run really read the files that hold the secret...
    CHECK(yaml.find("password=<redacted>") != std::string::npos);
    CHECK(yaml.find("pass=<redacted>") != std::string::npos);
    CHECK(yaml.find("carol%<redacted>") != std::string::npos);
    CHECK(yaml.find("/etc/cifs/nas01.cred") != std::string::npos);
    CHECK(yaml.find("samba_client.workgroup") != std::string::npos);
    // ...and no part of it got through.
    CHECK(yaml.find(planted) == std::string::npos);
    CHECK(yaml.find("Pa55") == std::string::npos);
    CHECK(yaml.find("S3cr3t") == std::string::npos);
    for (const auto& d : result.diagnostics.items()) CHECK(d.message.find(planted) == std::string::npos);

    // The snapshot written to disk reads back with the same facts.
    std::string path = (root.path / "out" / "snapshot.yaml").string();
    REQUIRE(write_file_atomically(path, yaml) == "");
    Diagnostics diags;
    auto back = read_snapshot(path, kb, diags);
    REQUIRE(back);
    CHECK(diags.empty());
    CHECK(back->facts.entries().size() == s.facts.entries().size());
}

// ---------------------------------------------------------------------------------------------- linux.samba_client

TEST_CASE("samba_client: fake testparm output is parsed from the [global] section only") {
    auto c = make_samba_client_collector();
    Run r = run_one(*c, tree_options(collect_data("tree")));
    CHECK_MESSAGE(r.outcome.status == CollectorStatus::ok, r.outcome.message);
    CHECK(r.facts.value("samba_client.min_protocol")->as_string() == "SMB2_02");
    CHECK(r.facts.value("samba_client.max_protocol")->as_string() == "SMB3");
    CHECK(r.facts.value("samba_client.signing")->as_string() == "required");
    CHECK(r.facts.value("samba_client.ntlmv2_auth")->as_bool() == true);
    CHECK(r.facts.value("samba_client.lanman_auth")->as_bool() == false);
    CHECK(r.facts.value("samba_client.workgroup")->as_string() == "OFFICE");
}

TEST_CASE("samba_client: testparm globals parser") {
    auto g = parse_testparm_globals("[global]\n\tClient  NTLMv2 Auth = yes\n\tx=\n[share]\n\tworkgroup = no\n");
    REQUIRE(g);
    CHECK(g->at("clientntlmv2auth") == "yes");
    CHECK(g->at("x") == "");
    CHECK(g->count("workgroup") == 0);
    CHECK_FALSE(parse_testparm_globals("client min protocol = NT1\n"));
    CHECK_FALSE(parse_testparm_globals(""));
}

TEST_CASE("samba_client: garbage, partial, failing and hanging testparm never crash") {
    auto c = make_samba_client_collector();
    CollectOptions o = tree_options(collect_data("tree"));

    o.env["KBDIAG_TESTPARM"] = collect_data("fake-testparm-garbage.sh");
    Run garbage = run_one(*c, o);
    CHECK(garbage.outcome.status == CollectorStatus::failed);
    CHECK(garbage.outcome.message.find("[global]") != std::string::npos);
    CHECK(garbage.facts.size() == 0);

    o.env["KBDIAG_TESTPARM"] = collect_data("fake-testparm-partial.sh");
    Run partial = run_one(*c, o);
    CHECK(partial.outcome.status == CollectorStatus::partial);
    CHECK(partial.outcome.message.find("status 1") != std::string::npos);
    CHECK(partial.facts.value("samba_client.min_protocol")->as_string() == "NT1");
    CHECK(partial.facts.find("samba_client.lanman_auth")->state == FactState::failed);
    CHECK(partial.facts.find("samba_client.max_protocol")->state == FactState::failed);

    o.env["KBDIAG_TESTPARM"] = collect_data("fake-testparm-fail.sh");
    Run fail = run_one(*c, o);
    CHECK(fail.outcome.status == CollectorStatus::failed);
    CHECK(fail.outcome.message == "testparm exited with status 1");

    o.env["KBDIAG_TESTPARM"] = collect_data("fake-testparm-hang.sh");
    o.time_limit = 400ms;
    auto t0 = std::chrono::steady_clock::now();
    Run hang = run_one(*c, o);
    auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(hang.outcome.status == CollectorStatus::timeout);
    CHECK(elapsed < 1500ms);   // killed at ~360 ms, with its `sleep` child (same process group)
    CHECK(hang.facts.size() == 0);

    o.env["KBDIAG_TESTPARM"] = collect_data("no-such-testparm");
    CHECK(run_one(*c, o).outcome.status == CollectorStatus::failed);
}

TEST_CASE("samba_client: the real testparm reads the fake tree's smb.conf") {
    CollectOptions o;
    o.root = collect_data("tree");
    o.env["KBDIAG_TESTPARM"] = "";
    if (find_program("testparm", get_env(o, "PATH").value_or("")).empty()) {
        MESSAGE("testparm is not installed (samba-common-bin): skipped");
        return;
    }
    Run r = run_one(*make_samba_client_collector(), o);
    CHECK_MESSAGE(r.outcome.status == CollectorStatus::ok, r.outcome.message);
    CHECK(r.facts.value("samba_client.workgroup")->as_string() == "OFFICE");   // from the tree's smb.conf
    CHECK(r.facts.value("samba_client.min_protocol")->as_string() == "SMB2");
    REQUIRE(r.facts.value("samba_client.ntlmv2_auth"));
    CHECK(r.facts.value("samba_client.lanman_auth")->is_bool());
}

TEST_CASE("samba_client: skipped when testparm is not installed") {
    CollectOptions o;
    o.env["KBDIAG_TESTPARM"] = "";
    o.env["PATH"] = "/nonexistent-kbdiag-path";
    Run r = run_one(*make_samba_client_collector(), o);
    CHECK(r.outcome.status == CollectorStatus::skipped);
    CHECK(r.outcome.message.find("not installed") != std::string::npos);
}

TEST_CASE("run_process: children never inherit secrets; an override reaches only its child (issue 10 item 14)") {
    CHECK(is_secret_environment_entry("KBDIAG_PROBE_PASSWORD=x"));
    CHECK(is_secret_environment_entry("PASSWD=x"));
    CHECK(is_secret_environment_entry("my_api_token=x"));
    CHECK(is_secret_environment_entry("USER=bob%x"));
    CHECK_FALSE(is_secret_environment_entry("USER=bob"));
    CHECK_FALSE(is_secret_environment_entry("KBDIAG_PROBE_USER=bob"));
    CHECK_FALSE(is_secret_environment_entry("PATH=/usr/bin"));

    REQUIRE(::setenv("KBDIAG_PROBE_PASSWORD", planted, 1) == 0);
    REQUIRE(::setenv("KBDIAG_TEST_VISIBLE", "visible-value", 1) == 0);
    auto plain = run_process({"/usr/bin/env"}, 5000ms);
    auto handed = run_process({"/usr/bin/env"}, 5000ms, {{"PASSWD", planted}});
    ::unsetenv("KBDIAG_PROBE_PASSWORD");
    ::unsetenv("KBDIAG_TEST_VISIBLE");
    REQUIRE(plain.succeeded());
    CHECK(plain.output.find("KBDIAG_TEST_VISIBLE=visible-value") != std::string::npos);   // the rest is inherited
    CHECK(plain.output.find(planted) == std::string::npos);
    REQUIRE(handed.succeeded());
    CHECK(handed.output.find(std::string("PASSWD=") + planted) != std::string::npos);
    CHECK(handed.output.find("KBDIAG_PROBE_PASSWORD") == std::string::npos);
}

TEST_CASE("run_process: output, exit status, no shell, time limit") {
    auto r = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 5000ms);
    CHECK(r.started);
    CHECK(r.output == "out\n");
    CHECK(r.exit_code == 3);
    CHECK_FALSE(r.succeeded());
    auto e = run_process({"/bin/echo", "a;b", "$(id)"}, 5000ms);
    CHECK(e.output == "a;b $(id)\n");   // arguments are not interpreted by a shell
    CHECK(e.succeeded());
    auto in = run_process({"/bin/cat"}, 5000ms);   // stdin is /dev/null: cat ends at once
    CHECK(in.succeeded());
    CHECK(in.output.empty());
    auto missing = run_process({"/nonexistent/program"}, 1000ms);
    CHECK_FALSE(missing.started);
    CHECK_FALSE(missing.error.empty());
    auto t0 = std::chrono::steady_clock::now();
    auto slow = run_process({"/bin/sleep", "10"}, 200ms);
    CHECK(slow.timed_out);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(find_program("sh", "/nonexistent::/bin") == "/bin/sh");
    CHECK(find_program("sh", "") == "");
}

// ---------------------------------------------------------------------------------------------- target

TEST_CASE("target: the accepted spellings") {
    std::string error;
    for (const char* text : {"\\\\nas01\\public", "//nas01/public", "smb://nas01/public", "SMB://nas01/public/",
                             "  \\\\nas01\\public\\  ", "smb://WORKGROUP;alice@nas01:445/public"}) {
        auto t = parse_share_target(text, error);
        REQUIRE_MESSAGE(t, text << ": " << error);
        CHECK(t->server == "nas01");
        CHECK(t->share == "public");
        CHECK(t->path == "\\\\nas01\\public");
    }
    auto deep = parse_share_target("smb://nas01/Team%20Docs/2025/q4", error);
    REQUIRE(deep);
    CHECK(deep->share == "Team Docs");
    CHECK(deep->path == "\\\\nas01\\Team Docs\\2025\\q4");
    auto v6 = parse_share_target("smb://[fe80::1]:445/c$", error);
    REQUIRE(v6);
    CHECK(v6->server == "[fe80::1]");
    CHECK(v6->share == "c$");
    auto server_only = parse_share_target("\\\\192.168.1.10", error);
    REQUIRE(server_only);
    CHECK(server_only->share.empty());
}

TEST_CASE("target: garbage is refused with a reason; passwords in URLs are never echoed") {
    for (const char* text : {"", "nas01\\public", "\\\\", "\\\\\\nas01\\x", "smb://", "smb://nas01:44x/s",
                             "//bad host/share", "//nas01/sh|are", "smb://nas01/bad%zzescape", "//-x/share",
                             "http://nas01/share", "//nas01/\x01", "//nas01/.."}) {
        std::string error;
        CHECK_FALSE_MESSAGE(parse_share_target(text, error), text);
        CHECK(!error.empty());
    }
    std::string error;
    auto t = parse_share_target(std::string("smb://alice:") + planted + "@nas01/public", error);
    REQUIRE(t);   // user info is dropped...
    CHECK(t->path.find(planted) == std::string::npos);
    CHECK_FALSE(parse_share_target(std::string("smb://us/er:") + planted + "@nas01/pu|blic", error));
    CHECK(error.find(planted) == std::string::npos);   // ...and never shown

    CollectOptions o;
    o.target = std::string("smb://al/ice:") + planted + "@nas01/pu|b";
    FactSink sink;
    auto outcome = make_target_collector()->collect(o, sink);
    CHECK(outcome.status == CollectorStatus::failed);
    CHECK(outcome.message.find(planted) == std::string::npos);
    o.target = "not a share";
    outcome = make_target_collector()->collect(o, sink);
    CHECK(outcome.status == CollectorStatus::failed);
    CHECK(outcome.message.find("not a share") != std::string::npos);
}

TEST_CASE("target collector: facts, or skipped without --target") {
    CollectOptions o;
    Run none = run_one(*make_target_collector(), o);
    CHECK(none.outcome.status == CollectorStatus::skipped);
    o.target = "//nas01/public";
    Run r = run_one(*make_target_collector(), o);
    CHECK(r.outcome.status == CollectorStatus::ok);
    CHECK(r.facts.value("target.server")->as_string() == "nas01");
    CHECK(r.facts.value("target.share")->as_string() == "public");
    CHECK(r.facts.value("target.path")->as_string() == "\\\\nas01\\public");
}
