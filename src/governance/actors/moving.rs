//! Moving an integration off a person's token (issue 14): placeholder, filled in below.
