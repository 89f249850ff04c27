//! Filtering end to end (RFC 7644 §3.4.2.2), on GET and on POST `/.search` (§3.4.3): every
//! operator, the logical operators and their precedence, value-path filters, extension and
//! sub-attribute paths, caseExact, dates, booleans, membership filters, and the errors.

use crate::common;

use std::collections::BTreeMap;

use common::{filter_query, id_of, spawn_app, TestApp, ENTERPRISE, USER_SCHEMA};
use serde_json::{json, Value};

/// Five users (with the bootstrap admin, `admin@example.com`, already there):
///
/// | userName           | displayName  | title    | active | externalId | emails                         | department | employeeNumber |
/// |--------------------|--------------|----------|--------|------------|--------------------------------|------------|----------------|
/// | alice@example.com  | Alice Anders | Engineer | true   | EXT-Alice  | work alice@example.com, home alice@home.test | Finance | 100 |
/// | bob@example.com    | Bob Brown    | Manager  | false  | ext-bob    | work bob@example.com           | Sales      | 200            |
/// | carol@sample.org   | Carol Chen   | -        | true   | -          | work carol@sample.org          | Finance    | -              |
/// | Dave@Example.com   | -            | -        | true   | -          | home dave@home.test            | -          | -              |
/// | erin@sample.org    | Erin Eve     | Intern   | true   | -          | ims xmpp erin@foo.com          | -          | -              |
struct Fixture {
    app: TestApp,
    ids: BTreeMap<&'static str, String>,
    created: BTreeMap<&'static str, String>,
}

impl Fixture {
    async fn new() -> Fixture {
        let app = spawn_app().await;
        let mut ids = BTreeMap::new();
        let mut created = BTreeMap::new();
        let bodies: Vec<(&'static str, Value)> = vec![
            (
                "alice",
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE],
                    "userName": "alice@example.com",
                    "displayName": "Alice Anders",
                    "name": { "givenName": "Alice", "familyName": "Anders" },
                    "title": "Engineer",
                    "userType": "Employee",
                    "active": true,
                    "externalId": "EXT-Alice",
                    "emails": [
                        { "value": "alice@example.com", "type": "work", "primary": true },
                        { "value": "alice@home.test", "type": "home" },
                    ],
                    ENTERPRISE: { "department": "Finance", "employeeNumber": "100" },
                }),
            ),
            (
                "bob",
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE],
                    "userName": "bob@example.com",
                    "displayName": "Bob Brown",
                    "name": { "givenName": "Bob", "familyName": "Brown" },
                    "title": "Manager",
                    "userType": "Employee",
                    "active": false,
                    "externalId": "ext-bob",
                    "emails": [{ "value": "bob@example.com", "type": "work", "primary": true }],
                    ENTERPRISE: { "department": "Sales", "employeeNumber": "200" },
                }),
            ),
            (
                "carol",
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE],
                    "userName": "carol@sample.org",
                    "displayName": "Carol Chen",
                    "name": { "givenName": "Carol", "familyName": "Chen" },
                    "userType": "Contractor",
                    "active": true,
                    "emails": [{ "value": "carol@sample.org", "type": "work" }],
                    ENTERPRISE: { "department": "Finance" },
                }),
            ),
            (
                "dave",
                json!({
                    "schemas": [USER_SCHEMA],
                    "userName": "Dave@Example.com",
                    "active": true,
                    "emails": [{ "value": "dave@home.test", "type": "home" }],
                }),
            ),
            (
                "erin",
                json!({
                    "schemas": [USER_SCHEMA],
                    "userName": "erin@sample.org",
                    "displayName": "Erin Eve",
                    "title": "Intern",
                    "userType": "Intern",
                    "active": true,
                    "ims": [{ "value": "erin@foo.com", "type": "xmpp" }],
                }),
            ),
        ];
        for (name, body) in bodies {
            let user = app.create_user_from(body).await;
            created.insert(name, user["meta"]["created"].as_str().unwrap().to_owned());
            ids.insert(name, id_of(&user));
        }
        let admin = app
            .user_ids_where("userName eq \"admin@example.com\"")
            .await;
        assert_eq!(admin.len(), 1);
        ids.insert("admin", admin[0].clone());
        Fixture { app, ids, created }
    }

    fn id(&self, name: &str) -> String {
        self.ids[name].clone()
    }

    fn name_of(&self, id: &str) -> &'static str {
        self.ids
            .iter()
            .find(|(_, v)| v.as_str() == id)
            .map(|(k, _)| *k)
            .unwrap_or_else(|| panic!("unknown id {id}"))
    }

    /// The fixture names of the users a filter selects on GET, checked equal to POST .search.
    async fn users(&self, filter: &str) -> Vec<&'static str> {
        let got = self.app.user_ids_where(filter).await;
        let searched = self
            .app
            .search("Users", json!({ "filter": filter, "count": 200 }))
            .await
            .expect(200);
        let mut names: Vec<&'static str> = got.iter().map(|id| self.name_of(id)).collect();
        names.sort_unstable();
        let mut by_search: Vec<&'static str> = common::ids_in(&searched.body)
            .iter()
            .map(|id| self.name_of(id))
            .collect();
        by_search.sort_unstable();
        assert_eq!(
            names, by_search,
            "GET and POST .search disagree on {filter}"
        );
        names
    }

    async fn expect(&self, filter: &str, expected: &[&str]) {
        let mut expected = expected.to_vec();
        expected.sort_unstable();
        assert_eq!(self.users(filter).await, expected, "filter: {filter}");
    }
}

#[actix_web::test]
async fn eq_compares_user_name_case_insensitively() {
    let f = Fixture::new().await;
    f.expect("userName eq \"alice@example.com\"", &["alice"])
        .await;
    f.expect("userName eq \"ALICE@EXAMPLE.COM\"", &["alice"])
        .await;
    f.expect("userName eq \"dave@example.com\"", &["dave"])
        .await;
    f.expect("USERNAME EQ \"bob@example.com\"", &["bob"]).await;
    f.expect("userName eq \"nobody@example.com\"", &[]).await;
}

#[actix_web::test]
async fn ne_excludes_the_value() {
    let f = Fixture::new().await;
    f.expect(
        "userName ne \"alice@example.com\"",
        &["admin", "bob", "carol", "dave", "erin"],
    )
    .await;
}

#[actix_web::test]
async fn co_sw_and_ew_match_substrings_case_insensitively() {
    let f = Fixture::new().await;
    f.expect(
        "userName co \"EXAMPLE\"",
        &["admin", "alice", "bob", "dave"],
    )
    .await;
    f.expect("userName sw \"a\"", &["admin", "alice"]).await;
    f.expect("userName ew \"@sample.org\"", &["carol", "erin"])
        .await;
    f.expect("displayName co \"an\"", &["alice"]).await;
    f.expect("displayName sw \"bob b\"", &["bob"]).await;
    // LIKE wildcards in the value are literal characters.
    f.expect("userName co \"%\"", &[]).await;
    f.expect("userName co \"_\"", &[]).await;
}

#[actix_web::test]
async fn pr_selects_users_that_have_a_value() {
    let f = Fixture::new().await;
    f.expect("title pr", &["alice", "bob", "erin"]).await;
    f.expect("externalId pr", &["alice", "bob"]).await;
    f.expect("emails pr", &["admin", "alice", "bob", "carol", "dave"])
        .await;
    f.expect(
        &format!("{ENTERPRISE}:employeeNumber pr"),
        &["alice", "bob"],
    )
    .await;
}

#[actix_web::test]
async fn gt_ge_lt_and_le_order_strings_case_insensitively() {
    let f = Fixture::new().await;
    f.expect(
        "userName gt \"bob@example.com\"",
        &["carol", "dave", "erin"],
    )
    .await;
    f.expect(
        "userName ge \"BOB@example.com\"",
        &["bob", "carol", "dave", "erin"],
    )
    .await;
    f.expect("userName lt \"bob@example.com\"", &["admin", "alice"])
        .await;
    f.expect(
        "userName le \"bob@example.com\"",
        &["admin", "alice", "bob"],
    )
    .await;
    f.expect("userName gt \"d\"", &["dave", "erin"]).await;
}

#[actix_web::test]
async fn and_or_and_not_combine_filters() {
    let f = Fixture::new().await;
    f.expect("title pr and active eq false", &["bob"]).await;
    f.expect(
        "userName eq \"alice@example.com\" or userName eq \"bob@example.com\"",
        &["alice", "bob"],
    )
    .await;
    f.expect("not (userName co \"example\")", &["carol", "erin"])
        .await;
    f.expect(
        "title pr and not (title eq \"Manager\")",
        &["alice", "erin"],
    )
    .await;
    f.expect("userName sw \"a\" AND title pr", &["alice"]).await;
}

#[actix_web::test]
async fn and_binds_tighter_than_or() {
    let f = Fixture::new().await;
    // carol OR (Engineer AND inactive): alice is an active engineer, so only carol.
    f.expect(
        "userName eq \"carol@sample.org\" or title eq \"Engineer\" and active eq false",
        &["carol"],
    )
    .await;
    f.expect(
        "title eq \"Engineer\" and active eq false or userName eq \"carol@sample.org\"",
        &["carol"],
    )
    .await;
}

#[actix_web::test]
async fn parentheses_group_filters() {
    let f = Fixture::new().await;
    f.expect(
        "(userName eq \"carol@sample.org\" or title eq \"Manager\") and active eq false",
        &["bob"],
    )
    .await;
    f.expect(
        "userName eq \"carol@sample.org\" or (title eq \"Engineer\" and active eq true)",
        &["alice", "carol"],
    )
    .await;
    f.expect("((userName sw \"a\") and (not (title pr)))", &["admin"])
        .await;
}

#[actix_web::test]
async fn a_value_path_filter_needs_one_element_to_satisfy_it_all() {
    let f = Fixture::new().await;
    f.expect(
        "emails[type eq \"work\" and value co \"@example\"]",
        &["admin", "alice", "bob"],
    )
    .await;
    // alice has a home email and an @example email, but not in the same element.
    f.expect("emails[type eq \"home\" and value co \"@example\"]", &[])
        .await;
    f.expect("emails[type eq \"home\"]", &["alice", "dave"])
        .await;
    f.expect(
        "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
        &["admin", "alice", "bob", "erin"],
    )
    .await;
}

#[actix_web::test]
async fn sub_attribute_paths_of_multi_valued_attributes_match_any_element() {
    let f = Fixture::new().await;
    f.expect("emails.value eq \"alice@home.test\"", &["alice"])
        .await;
    f.expect("emails.value eq \"ALICE@HOME.TEST\"", &["alice"])
        .await;
    f.expect("emails.type eq \"home\"", &["alice", "dave"])
        .await;
    f.expect("emails.value ew \"home.test\"", &["alice", "dave"])
        .await;
    f.expect(
        "userType eq \"Employee\" and (emails.type eq \"work\")",
        &["alice", "bob"],
    )
    .await;
}

#[actix_web::test]
async fn a_multi_valued_attribute_named_whole_compares_its_values() {
    // RFC 7644 §3.4.2.2 example: `emails co "example.com"`.
    let f = Fixture::new().await;
    f.expect(
        "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
        &["alice", "bob"],
    )
    .await;
    f.expect(
        "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
        &["carol", "dave", "erin"],
    )
    .await;
}

#[actix_web::test]
async fn sub_attributes_of_name_can_be_filtered() {
    let f = Fixture::new().await;
    f.expect("name.familyName co \"an\"", &["alice"]).await;
    f.expect("name.givenName sw \"C\"", &["carol"]).await;
}

#[actix_web::test]
async fn extension_attribute_paths_filter_on_the_enterprise_extension() {
    let f = Fixture::new().await;
    f.expect(
        &format!("{ENTERPRISE}:department eq \"Finance\""),
        &["alice", "carol"],
    )
    .await;
    f.expect(
        &format!("{ENTERPRISE}:department eq \"finance\""),
        &["alice", "carol"],
    )
    .await;
    f.expect(&format!("{ENTERPRISE}:employeeNumber eq \"200\""), &["bob"])
        .await;
    f.expect(
        &format!("{ENTERPRISE}:department pr and {ENTERPRISE}:department ne \"Finance\""),
        &["bob"],
    )
    .await;
}

#[actix_web::test]
async fn fully_qualified_core_attribute_names_filter_like_short_ones() {
    // RFC 7644 §3.4.2.2 example: `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`.
    let f = Fixture::new().await;
    f.expect(&format!("{USER_SCHEMA}:userName sw \"B\""), &["bob"])
        .await;
    f.expect(
        &format!("{USER_SCHEMA}:name.familyName eq \"Chen\""),
        &["carol"],
    )
    .await;
}

#[actix_web::test]
async fn schemas_eq_selects_users_carrying_an_extension() {
    // RFC 7644 §3.4.2.2 example:
    // `filter=schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`.
    let f = Fixture::new().await;
    f.expect(
        &format!("schemas eq \"{ENTERPRISE}\""),
        &["alice", "bob", "carol"],
    )
    .await;
}

#[actix_web::test]
async fn id_and_external_id_are_case_exact() {
    let f = Fixture::new().await;
    f.expect("externalId eq \"EXT-Alice\"", &["alice"]).await;
    f.expect("externalId eq \"ext-alice\"", &[]).await;
    f.expect("externalId eq \"ext-bob\"", &["bob"]).await;
    f.expect("externalId sw \"EXT\"", &["alice"]).await;
    let alice = f.id("alice");
    f.expect(&format!("id eq \"{alice}\""), &["alice"]).await;
    f.expect(&format!("id eq \"{}\"", alice.to_uppercase()), &[])
        .await;
}

#[actix_web::test]
async fn dates_compare_as_instants() {
    let f = Fixture::new().await;
    let alice = f.created["alice"].clone();
    let carol = f.created["carol"].clone();
    f.expect(
        &format!("meta.created gt \"{alice}\""),
        &["bob", "carol", "dave", "erin"],
    )
    .await;
    f.expect(
        &format!("meta.created ge \"{alice}\""),
        &["alice", "bob", "carol", "dave", "erin"],
    )
    .await;
    f.expect(&format!("meta.created lt \"{alice}\""), &["admin"])
        .await;
    f.expect(
        &format!("meta.created le \"{carol}\" and meta.created gt \"{alice}\""),
        &["bob", "carol"],
    )
    .await;
    f.expect("meta.created lt \"2000-01-01T00:00:00Z\"", &[])
        .await;
    f.expect(
        "meta.lastModified gt \"2000-01-01T00:00:00+02:00\"",
        &["admin", "alice", "bob", "carol", "dave", "erin"],
    )
    .await;
    // A change moves lastModified past every other user's.
    let erin = f.created["erin"].clone();
    f.app
        .patch_ops(
            &format!("/Users/{}", f.id("bob")),
            json!([{ "op": "replace", "path": "title", "value": "Director" }]),
        )
        .await
        .expect(200);
    f.expect(&format!("meta.lastModified gt \"{erin}\""), &["bob"])
        .await;
    f.expect(&format!("meta.created gt \"{erin}\""), &[]).await;
}

#[actix_web::test]
async fn booleans_compare_with_true_and_false() {
    let f = Fixture::new().await;
    f.expect("active eq false", &["bob"]).await;
    f.expect(
        "active eq true",
        &["admin", "alice", "carol", "dave", "erin"],
    )
    .await;
    f.expect("active ne true", &["bob"]).await;
}

#[actix_web::test]
async fn users_are_filtered_by_group_membership() {
    let f = Fixture::new().await;
    let group = f
        .app
        .create_group("Filtered", &[&f.id("alice"), &f.id("bob")])
        .await;
    let gid = id_of(&group);
    f.expect(&format!("groups.value eq \"{gid}\""), &["alice", "bob"])
        .await;
    f.expect(
        &format!("groups[value eq \"{gid}\"] and active eq true"),
        &["alice"],
    )
    .await;
    f.expect("groups pr", &["alice", "bob"]).await;
}

#[actix_web::test]
async fn groups_are_filtered_by_member_and_display_name() {
    let f = Fixture::new().await;
    let (alice, bob, carol) = (f.id("alice"), f.id("bob"), f.id("carol"));
    let eng = id_of(&f.app.create_group("Engineering", &[&alice, &bob]).await);
    let sales = id_of(&f.app.create_group("Sales", &[&bob]).await);
    let nested = id_of(&f.app.create_group("Everyone", &[&eng, &carol]).await);

    let mut with_bob = f
        .app
        .group_ids_where(&format!("members.value eq \"{bob}\""))
        .await;
    with_bob.sort();
    assert_eq!(with_bob, common::sorted(&[&eng, &sales]));
    assert_eq!(
        f.app
            .group_ids_where(&format!("members.value eq \"{eng}\""))
            .await,
        std::slice::from_ref(&nested)
    );
    assert_eq!(
        f.app
            .group_ids_where("displayName eq \"engineering\"")
            .await,
        std::slice::from_ref(&eng),
        "displayName is caseExact false"
    );
    assert_eq!(
        f.app.group_ids_where("displayName sw \"Sa\"").await,
        std::slice::from_ref(&sales)
    );
    assert_eq!(
        f.app.group_ids_where("members[type eq \"Group\"]").await,
        std::slice::from_ref(&nested)
    );
    // The same through POST /Groups/.search.
    let searched = f
        .app
        .search(
            "Groups",
            json!({ "filter": format!("members.value eq \"{alice}\"") }),
        )
        .await
        .expect(200);
    assert_eq!(common::ids_in(&searched.body), [eng]);
}

#[actix_web::test]
async fn entra_membership_check_finds_the_group_only_when_the_user_is_a_member() {
    let f = Fixture::new().await;
    let (alice, carol) = (f.id("alice"), f.id("carol"));
    let gid = id_of(&f.app.create_group("Entra", &[&alice]).await);
    let probe = |uid: &str| {
        format!(
            "/Groups{}&excludedAttributes=members",
            filter_query(&format!("id eq \"{gid}\" and members[value eq \"{uid}\"]"))
        )
    };
    let hit = f.app.get_ok(&probe(&alice)).await;
    assert_eq!(hit["totalResults"], 1);
    assert_eq!(hit["Resources"][0]["id"], gid.as_str());
    assert!(hit["Resources"][0].get("members").is_none());
    let miss = f.app.get_ok(&probe(&carol)).await;
    assert_eq!(miss["totalResults"], 0, "{miss}");
}

#[actix_web::test]
async fn a_malformed_filter_is_400_invalid_filter_on_get_and_search() {
    let f = Fixture::new().await;
    for bad in [
        "userName eq",
        "userName xx \"a\"",
        "(userName eq \"a\"",
        "userName eq \"unterminated",
        "userName eq \"a\" and",
        "not userName eq \"a\"",
        "emails[type eq \"work\"",
        "active gt true",
        "meta.created gt \"yesterday\"",
        "userName co 12 junk",
    ] {
        let res = f
            .app
            .get_reply(&format!("/Users{}", filter_query(bad)))
            .await;
        assert_eq!(res.status, 400, "GET {bad}: {}", res.text);
        res.expect_error(400, Some("invalidFilter"));
        f.app
            .search("Users", json!({ "filter": bad }))
            .await
            .expect_error(400, Some("invalidFilter"));
    }
    f.app
        .get_reply(&format!("/Groups{}", filter_query("displayName eq")))
        .await
        .expect_error(400, Some("invalidFilter"));
}

/// RFC 7644 §3.4.2.2 lets a service either reject a filter naming an attribute it doesn't know
/// (400 invalidFilter) or treat it as matching nothing. gatehouse rejects it.
#[actix_web::test]
async fn a_filter_on_an_unknown_attribute_is_400_invalid_filter() {
    let f = Fixture::new().await;
    for filter in [
        "noSuchAttribute eq \"x\"",
        "name.noSuchPart eq \"x\"",
        "urn:example:unknown:2.0:User:thing eq \"x\"",
    ] {
        let res = f
            .app
            .get_reply(&format!("/Users{}", filter_query(filter)))
            .await;
        match res.status {
            400 => {
                res.expect_error(400, Some("invalidFilter"));
            }
            200 => assert_eq!(res.body["totalResults"], 0, "{filter}: {}", res.text),
            other => panic!("{filter}: {other} {}", res.text),
        }
    }
    // What the service does, recorded so a change is noticed.
    f.app
        .get_reply(&format!(
            "/Users{}",
            filter_query("noSuchAttribute eq \"x\"")
        ))
        .await
        .expect_error(400, Some("invalidFilter"));
}

#[actix_web::test]
async fn a_filter_that_is_too_complex_is_400_invalid_filter() {
    let f = Fixture::new().await;
    let hundred_ors = (0..100)
        .map(|i| format!("userName eq \"u{i}@example.com\""))
        .collect::<Vec<_>>()
        .join(" or ");
    f.app
        .get_reply(&format!("/Users{}", filter_query(&hundred_ors)))
        .await
        .expect_error(400, Some("invalidFilter"));
    f.app
        .search("Users", json!({ "filter": hundred_ors }))
        .await
        .expect_error(400, Some("invalidFilter"));
    let deep = format!("{}userName pr{}", "(".repeat(40), ")".repeat(40));
    f.app
        .get_reply(&format!("/Users{}", filter_query(&deep)))
        .await
        .expect_error(400, Some("invalidFilter"));
    // A handful of ors is fine.
    let few = (0..5)
        .map(|i| format!("userName eq \"u{i}@example.com\""))
        .collect::<Vec<_>>()
        .join(" or ");
    f.app
        .get_reply(&format!("/Users{}", filter_query(&few)))
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_filter_never_discloses_passwords() {
    let app = spawn_app().await;
    let mut body = common::user_body("pw@example.com");
    body["password"] = json!("hunter2");
    app.create_user_from(body).await;
    let res = app
        .get_reply(&format!(
            "/Users{}",
            filter_query("password eq \"hunter2\"")
        ))
        .await;
    match res.status {
        400 => {
            res.expect_error(400, Some("invalidFilter"));
        }
        200 => assert_eq!(res.body["totalResults"], 0, "{}", res.text),
        other => panic!("{other}: {}", res.text),
    }
}

/// RFC 7644 §3.4.2.2: with caseExact false, "eq" and the substring operators compare without
/// regard to case — for any letters, not just ASCII. Checked on a column (`displayName`), on
/// an attribute held only in the document (`title`) and on the folded `userName`.
#[actix_web::test]
async fn case_insensitive_matching_folds_non_ascii_letters_too() {
    let app = spawn_app().await;
    let mut body = common::user_body("Élodie@example.com");
    body["displayName"] = json!("Émile Zola");
    body["title"] = json!("Écrivain");
    let uid = id_of(&app.create_user_from(body).await);
    for filter in [
        "userName eq \"élodie@example.com\"",
        "userName eq \"ÉLODIE@EXAMPLE.COM\"",
        "displayName eq \"Émile Zola\"",
        "title eq \"Écrivain\"",
        "displayName eq \"émile zola\"",
        "displayName sw \"ÉMILE\"",
        "title eq \"écrivain\"",
        "title co \"ÉCRI\"",
    ] {
        assert_eq!(
            app.user_ids_where(filter).await,
            std::slice::from_ref(&uid),
            "{filter}"
        );
    }
}

#[actix_web::test]
async fn attributes_held_only_in_the_document_filter_like_indexed_ones() {
    let app = spawn_app().await;
    let mut a = common::user_body("doc.a@example.com");
    a["nickName"] = json!("Ace");
    a["phoneNumbers"] = json!([
        { "value": "+1 555 0100", "type": "work" },
        { "value": "+44 20 7946 0000", "type": "mobile", "primary": true },
    ]);
    a["addresses"] = json!([
        { "locality": "London", "country": "GB", "type": "work", "primary": true },
        { "locality": "Paris", "country": "FR", "type": "home" },
    ]);
    a["roles"] = json!([{ "value": "Admin" }]);
    let a = id_of(&app.create_user_from(a).await);
    let mut b = common::user_body("doc.b@example.com");
    b["nickName"] = json!("Bee");
    b["phoneNumbers"] = json!([{ "value": "+1 555 0199", "type": "mobile" }]);
    b["addresses"] = json!([{ "locality": "Paris", "type": "work" }]);
    let b = id_of(&app.create_user_from(b).await);
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("nickName eq \"ace\"", vec![&a]),
        ("nickName ne \"Ace\" and nickName pr", vec![&b]),
        ("phoneNumbers pr", vec![&a, &b]),
        ("phoneNumbers.value sw \"+44\"", vec![&a]),
        (
            "phoneNumbers[type eq \"mobile\" and value sw \"+1\"]",
            vec![&b],
        ),
        ("phoneNumbers[type eq \"MOBILE\"]", vec![&a, &b]),
        ("addresses.locality eq \"paris\"", vec![&a, &b]),
        (
            "addresses[locality eq \"Paris\" and type eq \"work\"]",
            vec![&b],
        ),
        ("addresses[primary eq true]", vec![&a]),
        (
            "addresses[primary eq true and locality eq \"Paris\"]",
            vec![],
        ),
        ("phoneNumbers[primary eq true]", vec![&a]),
        ("roles.value eq \"admin\"", vec![&a]),
        ("not (roles pr) and nickName pr", vec![&b]),
        ("emails[primary eq true]", vec![&a, &b]),
    ];
    for (filter, expected) in cases {
        let mut got = app.user_ids_where(filter).await;
        got.retain(|id| id == &a || id == &b);
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().cloned().collect();
        expected.sort();
        assert_eq!(got, expected, "{filter}");
    }
}

#[actix_web::test]
async fn string_literals_with_quotes_and_escapes_match_exactly() {
    let app = spawn_app().await;
    let mut body = common::user_body("quotes@example.com");
    body["name"] = json!({ "familyName": "O'Malley" });
    body["displayName"] = json!("The \"Boss\" \\ Back");
    let uid = id_of(&app.create_user_from(body).await);
    for filter in [
        "name.familyName co \"O'Malley\"",
        "displayName eq \"The \\\"Boss\\\" \\\\ Back\"",
        "displayName co \"\\\"boss\\\"\"",
    ] {
        assert_eq!(
            app.user_ids_where(filter).await,
            std::slice::from_ref(&uid),
            "{filter}"
        );
    }
}

#[actix_web::test]
async fn a_date_filter_matches_an_instant_exactly_and_across_offsets() {
    let f = Fixture::new().await;
    let alice = f.created["alice"].clone();
    f.expect(&format!("meta.created eq \"{alice}\""), &["alice"])
        .await;
    // The same instant written with another offset.
    let instant = chrono::DateTime::parse_from_rfc3339(&alice).unwrap();
    let shifted = instant
        .with_timezone(&chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    f.expect(&format!("meta.created eq \"{shifted}\""), &["alice"])
        .await;
}

#[actix_web::test]
async fn groups_can_be_filtered_by_their_members_display() {
    let f = Fixture::new().await;
    let eng = id_of(
        &f.app
            .create_group("Eng", &[&f.id("alice"), &f.id("dave")])
            .await,
    );
    id_of(&f.app.create_group("Ops", &[&f.id("bob")]).await);
    assert_eq!(
        f.app
            .group_ids_where("members.display eq \"alice anders\"")
            .await,
        std::slice::from_ref(&eng)
    );
    // A user without displayName is shown (and found) by userName.
    assert_eq!(
        f.app.group_ids_where("members[display sw \"dave@\"]").await,
        [eng]
    );
}
