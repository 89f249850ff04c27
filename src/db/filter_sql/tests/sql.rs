//! SQL shapes.
use super::*;

#[test]
fn dump() {
    for f in [
        r#"userName eq "BJensen""#,
        r#"displayName co "a_b%""#,
        r#"not (displayName ne "x")"#,
        r#"emails[type eq "work" and value co "@Example.com"]"#,
        r#"emails.type ne "work""#,
        r#"emails.type eq null"#,
        r#"emails pr"#,
        r#"groups.display sw "Adm""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales""#,
        r#"manager eq "u3""#,
        r#"urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:external eq true"#,
        r#"roles[value eq "admin" and primary eq true]"#,
        r#"meta.created gt "2026-01-01T00:00:00+02:00""#,
        r#"name pr"#,
        r#"meta pr"#,
        r#"name[givenName eq "x" or familyName eq "y"]"#,
    ] {
        for d in [Dialect::Sqlite, Dialect::Mysql] {
            match users(f, d) {
                Ok(c) => println!("{f}\n  {d:?}: {}\n  {:?}", c.sql, c.binds),
                Err(e) => println!("{f}\n  {d:?}: ERR {e}"),
            }
        }
    }
    for s in [
        "userName",
        "emails",
        "roles.value",
        "groups.display",
        "name.givenName",
        "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:external",
    ] {
        for d in [Dialect::Sqlite, Dialect::Mysql] {
            println!(
                "sort {s} {d:?}: {:?}",
                sort(Some(s), true, &USER, &USERS, d)
            );
        }
    }
}
