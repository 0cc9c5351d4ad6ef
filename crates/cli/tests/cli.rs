//! The `techmarket` binary tried as a user would: import good and bad files, export and
//! import back, the demo market, migrations.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn techmarket(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_techmarket"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TECHMARKET_DATABASE_URL")
        .env_remove("TECHMARKET_CONFIG")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const GOOD: &str = r#"{"external_id":"T-1","title":"玉米秸秆生物质颗粒燃料成型技术","summary":"以玉米秸秆为原料，低温成型，颗粒密度≥1.1 t/m³，热值≥15 MJ/kg。","keywords":["秸秆","生物质","颗粒燃料"],"holder":{"name":"吉林农业大学"},"holder_type":"university","industry":"D","trl":6,"region":"220100","transfer_modes":["license"],"price":800000,"patents":["ZL201220687633.0"]}"#;
const GOOD2: &str = r#"{"external_id":"T-2","title":"汽车铝合金副车架低压铸造工艺","summary":"低压铸造一体成型，减重30%，疲劳寿命提升一倍。","keywords":["铝合金","低压铸造"],"holder":{"name":"长春某汽车零部件有限公司","credit_code":"914403001922038216"},"holder_type":"enterprise","industry":"C36","trl":7,"region":"220100","transfer_modes":["transfer","co_development"],"price":null,"patents":[]}"#;

/// Exports achievements and returns the file's lines.
fn exported(data: &Path, name: &str) -> Vec<String> {
    let out = data.join(name);
    let o = techmarket(data, &["export", "--kind", "achievements", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_good_file_imports_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.jsonl", &format!("{GOOD}\n\n{GOOD2}\n"));
    let o = techmarket(dir.path(), &["import", "--kind", "achievements", f.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout(&o).contains("2 created, 0 updated, 0 unchanged, 0 rejected"),
        "{}",
        stdout(&o)
    );
    let o = techmarket(dir.path(), &["import", "--kind", "achievements", f.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("0 created, 0 updated, 2 unchanged"),
        "{}",
        stdout(&o)
    );
    // A changed row updates its record.
    let changed = GOOD.replace("\"trl\":6", "\"trl\":7");
    let f2 = write(dir.path(), "b.jsonl", &format!("{changed}\n"));
    let o = techmarket(dir.path(), &["import", "--kind", "achievements", f2.to_str().unwrap()]);
    assert!(stdout(&o).contains("0 created, 1 updated"), "{}", stdout(&o));
}

#[test]
fn export_then_import_round_trips_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.jsonl", &format!("{GOOD}\n{GOOD2}\n"));
    assert!(
        techmarket(dir.path(), &["import", "--kind", "achievements", f.to_str().unwrap()])
            .status
            .success()
    );
    let before = exported(dir.path(), "before.jsonl");
    assert_eq!(before.len(), 2);
    for ext in ["jsonl", "csv", "xlsx"] {
        let out = dir.path().join(format!("export.{ext}"));
        let o = techmarket(dir.path(), &["export", "--kind", "achievements", out.to_str().unwrap()]);
        assert!(o.status.success(), "{ext}: {}", String::from_utf8_lossy(&o.stderr));
        // Into the same market: nothing changes.
        let o = techmarket(dir.path(), &["import", "--kind", "achievements", out.to_str().unwrap()]);
        assert!(o.status.success(), "{ext}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("0 created, 0 updated, 2 unchanged"),
            "{ext}: {}",
            stdout(&o)
        );
        // Into a fresh market: the same records come out.
        let fresh = tempfile::tempdir().unwrap();
        let o = techmarket(
            fresh.path(),
            &["import", "--kind", "achievements", out.to_str().unwrap()],
        );
        assert!(o.status.success(), "{ext}: {}", stdout(&o));
        assert_eq!(exported(fresh.path(), "after.jsonl"), before, "{ext} round trip");
    }
}

/// Runs an import expected to fail; returns its report lines. Checks nothing was written.
fn rejected(file: &Path, kind: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let o = techmarket(dir.path(), &["import", "--kind", kind, file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    stdout(&o)
}

#[test]
fn bad_rows_are_reported_with_row_field_and_reason_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |from: &str, to: &str| GOOD.replace(from, to);
    let lines = [
        GOOD.to_string(),                                                                     // 1 ok
        "this is not json".to_string(),                                                       // 2
        bad("\"trl\":6", "\"trl\":0"),                                                        // 3
        bad("\"trl\":6", "\"trl\":10"),                                                       // 4
        bad("\"price\":800000", "\"price\":-5"),                                              // 5
        bad("\"region\":\"220100\"", "\"region\":\"229900\""),                                // 6
        bad("\"T-1\"", "\"T-1\"").replace("\"keywords\"", "\"colour\":\"red\",\"keywords\""), // 7 unknown field
        bad(
            "\"holder\":{\"name\":\"吉林农业大学\"}",
            "\"holder\":{\"name\":\"x\",\"credit_code\":\"91440300192203821X\"}",
        ), // 8
        bad("ZL201220687633.0", "ZL201220687633.1"),                                          // 9
        bad("\"trl\":6", "\"trl\":\"high\""),                                                 // 10
        GOOD2.to_string(),                                                                    // 11 ok
        GOOD2.to_string(), // 12 duplicate external_id
    ];
    let mut text: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| l.replace("T-1", &format!("T-{}", i + 100)))
        .collect();
    text[10] = GOOD2.to_string();
    text[11] = GOOD2.to_string();
    let f = write(dir.path(), "bad.jsonl", &(text.join("\n") + "\n"));
    let out = techmarket(dir.path(), &["import", "--kind", "achievements", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    for (row, field) in [
        (2, "-"),
        (3, "trl"),
        (4, "trl"),
        (5, "price"),
        (6, "region"),
        (7, "colour"),
        (8, "holder.credit_code"),
        (9, "patents[0]"),
        (10, "trl"),
        (12, "external_id"),
    ] {
        let prefix = format!("row {row}\t{field}\t");
        assert!(
            report.lines().any(|l| l.starts_with(&prefix)),
            "missing `{prefix}` in\n{report}"
        );
    }
    assert!(report.contains("2 created"), "{report}");
    // Only the two good rows are there.
    assert_eq!(exported(dir.path(), "out.jsonl").len(), 2);
}

#[test]
fn a_three_megabyte_title_is_rejected_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "长".repeat(1_000_000);
    let f = write(
        dir.path(),
        "huge.jsonl",
        &format!("{}\n", GOOD.replace("玉米秸秆生物质颗粒燃料成型技术", &huge)),
    );
    let report = rejected(&f, "achievements");
    assert!(report.lines().any(|l| l.starts_with("row 1\ttitle\t")), "{report}");
}

#[test]
fn a_csv_with_a_missing_column_is_refused_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.csv",
        "external_id,title,summary,holder.name,holder_type,industry,region,transfer_modes\nX-1,t,s,吉林大学,university,C,220100,license\n",
    );
    let report = rejected(&f, "achievements");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("row 1\ttrl\t") && l.contains("missing")),
        "{report}"
    );
}

#[test]
fn a_csv_imports_with_lists_and_negotiable_price() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.csv",
        "external_id,title,summary,keywords,holder.name,holder_type,industry,trl,region,transfer_modes,price,patents\n\
         C-1,稀土发光材料,高效稀土发光材料制备,稀土;发光,中国科学院长春应用化学研究所,institute,C,5,220100,license;transfer,,ZL200510096239.4\n\
         C-2,人参皂苷转化,稀有人参皂苷生物转化,人参;皂苷,吉林农业大学,university,C27,6,220500,license,\"1,500,000\",\n",
    );
    let o = techmarket(dir.path(), &["import", "--kind", "achievements", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let lines = exported(dir.path(), "out.jsonl");
    let recs: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let c1 = recs.iter().find(|r| r["external_id"] == "C-1").unwrap();
    assert_eq!(c1["price"], serde_json::Value::Null);
    assert_eq!(c1["keywords"], serde_json::json!(["稀土", "发光"]));
    assert_eq!(c1["patents"], serde_json::json!(["ZL200510096239.4"]));
    let c2 = recs.iter().find(|r| r["external_id"] == "C-2").unwrap();
    assert_eq!(c2["price"], 1_500_000);
    assert_eq!(c2["industry"], "C27");
}

#[test]
fn an_xlsx_with_merged_cells_and_an_empty_row_reports_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "external_id",
        "title",
        "summary",
        "holder.name",
        "holder_type",
        "industry",
        "trl",
        "region",
        "transfer_modes",
    ];
    for (j, h) in header.iter().enumerate() {
        sheet.write_string(0, j as u16, *h).unwrap();
    }
    let row = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32, id: &str| {
        let vals = [
            id,
            "标题",
            "摘要",
            "吉林大学",
            "university",
            "C",
            "",
            "220100",
            "license; transfer",
        ];
        for (j, v) in vals.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r, j as u16, *v).unwrap();
            }
        }
        sheet.write_number(r, 6, 5).unwrap();
    };
    row(sheet, 1, "X-1");
    // Row 3 is empty. Rows 4–5 share a merged holder cell.
    row(sheet, 3, "X-2");
    row(sheet, 4, "X-3");
    sheet
        .merge_range(3, 3, 4, 3, "吉林大学", &rust_xlsxwriter::Format::new())
        .unwrap();
    row(sheet, 5, "X-4");
    book.save(&path).unwrap();
    let o = techmarket(
        dir.path(),
        &["import", "--kind", "achievements", path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let report = stdout(&o);
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("row 4\tholder.name\t") && l.contains("D4:D5")),
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.starts_with("row 5\tholder.name\t")),
        "{report}"
    );
    assert!(
        !report.contains("row 3\t"),
        "the empty row is skipped, not an error: {report}"
    );
    assert!(report.contains("2 created"), "{report}");
}

#[test]
fn the_demo_market_is_deterministic_for_a_seed() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let o = techmarket(d.path(), &["demo", "--scale", "small", "--seed", "7", "--no-serve"]);
        assert!(
            o.status.success(),
            "{}{}",
            stdout(&o),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let ea = exported(a.path(), "a.jsonl");
    assert!(ea.len() >= 100, "a small market still has achievements: {}", ea.len());
    assert_eq!(ea, exported(b.path(), "b.jsonl"));
    // Loading it again changes nothing.
    let o = techmarket(a.path(), &["demo", "--scale", "small", "--seed", "7", "--no-serve"]);
    assert!(stdout(&o).contains(" 0 created,      0 updated"), "{}", stdout(&o));
}

#[test]
fn migrate_lists_the_applied_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let o = techmarket(dir.path(), &["migrate"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("0001"), "{}", stdout(&o));
}

#[test]
fn an_unknown_kind_or_file_type_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.txt", "x");
    let o = techmarket(dir.path(), &["import", "--kind", "patents", f.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown kind"));
    let o = techmarket(dir.path(), &["import", "--kind", "achievements", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown file type"));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the binary with `input` on stdin.
fn techmarket_stdin(data: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_techmarket"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TECHMARKET_DATABASE_URL")
        .env_remove("TECHMARKET_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// `user list --json` as JSON.
fn users(data: &Path) -> Vec<serde_json::Value> {
    let o = techmarket(data, &["user", "list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn user<'a>(list: &'a [serde_json::Value], username: &str) -> &'a serde_json::Value {
    list.iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("no `{username}` in {list:?}"))
}

#[test]
fn accounts_are_created_listed_disabled_and_reset_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An administrator with a generated password, printed once.
    let o = techmarket(d, &["admin", "create", "--username", "Root"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let password = out
        .lines()
        .find_map(|l| l.split("password (shown only once): ").nth(1))
        .unwrap_or_else(|| panic!("no password in {out}"));
    assert_eq!(password.len(), 16, "{password}");
    // The same username again (normalized): refused, in both languages.
    let o = techmarket(d, &["admin", "create", "--username", "root"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("已被使用") && stderr(&o).contains("already taken"),
        "{}",
        stderr(&o)
    );
    // A password from stdin that the policy refuses: the field error, nothing created.
    let o = techmarket_stdin(
        d,
        &["admin", "create", "--username", "root2", "--password-stdin"],
        "short1\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("password: 密码至少 10 个字符"), "{}", stderr(&o));
    let o = techmarket_stdin(
        d,
        &[
            "admin",
            "create",
            "--username",
            "root2",
            "--password-stdin",
            "--display-name",
            "第二管理员",
        ],
        "长白山-天池-2026\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains("password"),
        "a given password is not printed: {}",
        stdout(&o)
    );

    // An operator of Changchun; an unknown region or organization is a clear error.
    let o = techmarket(
        d,
        &[
            "user",
            "create",
            "--username",
            "op.cc",
            "--role",
            "operator",
            "--region",
            "229900",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("region") && stderr(&o).contains("不在区划表中"),
        "{}",
        stderr(&o)
    );
    let o = techmarket(
        d,
        &[
            "user",
            "create",
            "--username",
            "m1",
            "--role",
            "member",
            "--organization",
            "没有这个单位",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no organization"), "{}", stderr(&o));
    let o = techmarket(
        d,
        &[
            "user",
            "create",
            "--username",
            "op.cc",
            "--role",
            "operator",
            "--region",
            "220100",
            "--display-name",
            "长春运营",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("password (shown only once)"), "{}", stdout(&o));
    // An invitation prints a setup link, and the account waits for its password.
    let o = techmarket(
        d,
        &[
            "user",
            "create",
            "--username",
            "op2",
            "--role",
            "operator",
            "--region",
            "220000",
            "--invite",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("/setup?token=tml_"), "{}", stdout(&o));

    let list = users(d);
    assert_eq!(list.len(), 4, "{list:?}");
    assert_eq!(user(&list, "root")["role"], "admin");
    assert_eq!(user(&list, "root2")["display_name"], "第二管理员");
    assert_eq!(user(&list, "op.cc")["region"], "220100");
    assert_eq!(user(&list, "op.cc")["region_name"], "长春市");
    assert_eq!(user(&list, "op2")["status"], "invited");
    let o = techmarket(d, &["user", "list", "--role", "admin"]);
    assert!(o.status.success());
    let table = stdout(&o);
    assert!(table.contains("root2") && !table.contains("op.cc"), "{table}");

    // Disable, enable, reset; an unknown username is an error.
    let o = techmarket(d, &["user", "disable", "op.cc", "--reason", "离职"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = users(d);
    assert_eq!(user(&list, "op.cc")["status"], "disabled");
    assert_eq!(user(&list, "op.cc")["status_reason"], "离职");
    let o = techmarket(d, &["user", "enable", "op.cc"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(user(&users(d), "op.cc")["status"], "active");
    let o = techmarket(d, &["user", "reset", "root"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("/setup?token=tml_"), "{}", stdout(&o));
    for cmd in ["disable", "enable", "reset"] {
        let o = techmarket(d, &["user", cmd, "nobody"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert!(
            stderr(&o).contains("没有用户名为「nobody」的账号 / no account with username `nobody`"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn the_demo_creates_one_account_per_role_and_a_second_run_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let o = techmarket(dir.path(), &["demo", "--scale", "small", "--no-serve"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Demo accounts / 演示账号"), "{out}");
    let names = [
        "admin",
        "operator",
        "operator.cc",
        "member",
        "member2",
        "broker",
        "expert",
        "finance",
    ];
    for name in names {
        assert!(out.contains(&format!(" {name} ")), "`{name}` not printed: {out}");
    }
    assert!(out.contains("Jilin-Demo-2026"), "{out}");
    // A listing in each state a user meets.
    let listings = out
        .lines()
        .find(|l| l.trim_start().starts_with("listings"))
        .unwrap_or_else(|| panic!("no listings: {out}"));
    for status in [
        "draft",
        "pending",
        "announced",
        "publicity",
        "bidding",
        "certified",
        "lapsed",
    ] {
        assert!(listings.contains(status), "no {status} listing: {listings}");
    }
    let list = users(dir.path());
    assert_eq!(list.len(), names.len(), "{list:?}");
    for name in names {
        assert_eq!(user(&list, name)["status"], "active", "{name}");
    }
    assert_eq!(user(&list, "operator")["region"], "220000");
    assert_eq!(user(&list, "operator.cc")["region"], "220100");
    assert_eq!(user(&list, "member")["org_admin"], true);
    assert_ne!(
        user(&list, "member")["organization_id"],
        user(&list, "member2")["organization_id"]
    );
    assert!(user(&list, "finance")["organization"].is_string());
    assert!(user(&list, "broker")["broker_id"].is_string());
    assert!(user(&list, "expert")["expert_id"].is_string());
    // Again on the same data: no error, the same accounts.
    let o = techmarket(dir.path(), &["demo", "--scale", "small", "--no-serve"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Demo accounts / 演示账号"));
    assert!(
        !stdout(&o).lines().any(|l| l.trim_start().starts_with("listings")),
        "listings made twice: {}",
        stdout(&o)
    );
    assert_eq!(users(dir.path()).len(), names.len());
}

/// Historical technology contracts (issue 7): a CSV of registered ones imports, a second
/// import changes nothing, and a file with a bad row and a number the market holds reports
/// both rows and writes only the good one.
#[test]
fn historical_contracts_import_from_csv_idempotently_and_bad_rows_are_named() {
    use techmarket_interchange::contracts::{contract_record, write_contracts};
    let dir = tempfile::tempdir().unwrap();
    let year = time::OffsetDateTime::now_utc().year() - 1;
    let demo = techmarket_demo::contracts::demo_contracts(7, techmarket_demo::Scale::Small, year);
    assert!(demo.len() >= 20);
    let csv = dir.path().join("contracts.csv");
    let n = write_contracts(
        &csv,
        demo.iter()
            .map(|c| contract_record(&c.external_id, &c.fields, Some(&c.registration))),
    )
    .unwrap();
    assert_eq!(n, demo.len());
    let o = techmarket(dir.path(), &["import", "--kind", "contracts", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("{} created", demo.len())),
        "{}",
        stdout(&o)
    );
    let again = techmarket(dir.path(), &["import", "--kind", "contracts", csv.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stdout(&again));
    assert!(
        stdout(&again).contains(&format!("{} unchanged", demo.len())),
        "{}",
        stdout(&again)
    );

    // Row 2: a technical amount that is not the contract amount less the non-technical items;
    // row 3: a registration number another contract already holds; row 4: good.
    let mut bad = contract_record("NEW-1", &demo[0].fields, Some(&demo[0].registration));
    bad.external_id = "NEW-1".into();
    bad.technical_amount = Some(bad.contract_amount + 1);
    let mut taken = contract_record("NEW-2", &demo[1].fields, Some(&demo[1].registration));
    taken.name = format!("{}（补充）", taken.name);
    let mut fresh = contract_record("NEW-3", &demo[2].fields, Some(&demo[2].registration));
    fresh.name = format!("{}（二期）", fresh.name);
    fresh.registration_number = Some(format!("{}-B", demo[2].registration.number));
    let mixed = dir.path().join("mixed.csv");
    write_contracts(&mixed, [bad, taken, fresh]).unwrap();
    let o = techmarket(dir.path(), &["import", "--kind", "contracts", mixed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("row 2\ttechnical_amount"), "{out}");
    assert!(out.contains("row 3\tregistration_number"), "{out}");
    assert!(out.contains("1 created"), "{out}");

    // What the market holds exports in each format, and imports back into another market
    // unchanged: the same records, the same numbers.
    for ext in ["jsonl", "csv", "xlsx"] {
        let file = dir.path().join(format!("export.{ext}"));
        let o = techmarket(dir.path(), &["export", "--kind", "contracts", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).contains(&format!("wrote {} contracts", demo.len() + 1)),
            "{ext}: {}",
            stdout(&o)
        );
        let other = tempfile::tempdir().unwrap();
        let o = techmarket(other.path(), &["import", "--kind", "contracts", file.to_str().unwrap()]);
        assert!(o.status.success(), "{ext}: {}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).contains(&format!("{} created", demo.len() + 1)),
            "{ext}: {}",
            stdout(&o)
        );
        // Into the market it came from: nothing to change.
        let o = techmarket(dir.path(), &["import", "--kind", "contracts", file.to_str().unwrap()]);
        assert!(
            stdout(&o).contains(&format!("{} unchanged", demo.len() + 1)),
            "{ext}: {}",
            stdout(&o)
        );
    }
}
