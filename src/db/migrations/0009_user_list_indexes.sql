-- The admin user list at a million users (issue 6): every sortable column has an index in the order
-- the list asks for (text case-insensitively; the rowid breaks ties), so a page is an index walk, not
-- a sort of the whole table. username and email already have NOCASE unique indexes (0001).
CREATE INDEX users_first_name ON users(first_name COLLATE NOCASE);
CREATE INDEX users_last_name ON users(last_name COLLATE NOCASE);
CREATE INDEX users_display_name ON users(display_name COLLATE NOCASE);
CREATE INDEX users_is_admin ON users(is_admin);
CREATE INDEX users_created_at ON users(created_at);
