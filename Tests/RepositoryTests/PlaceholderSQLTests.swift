import RecLabPostgres
import Testing

/// The SQL both backends share, as PostgreSQL is sent it.
@Suite struct PlaceholderSQLTests {
    @Test func placeholdersBecomeNumberedInOrder() {
        #expect(PlaceholderSQL.numbered("INSERT INTO t (a, b) VALUES (?, ?), (?, ?)") == "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)")
    }

    @Test func aQuestionMarkInALiteralAnIdentifierOrACommentIsLeftAlone() {
        let sql = """
            SELECT 'why?', "odd?name", ? -- who? what?
            FROM t WHERE a = ? /* is it? /* nested? */ still? */ AND b = 'it''s ?' AND c = $$ok?$$ AND d = $x$?$x$ AND e = ?
            """
        #expect(PlaceholderSQL.numbered(sql) == """
            SELECT 'why?', "odd?name", $1 -- who? what?
            FROM t WHERE a = $2 /* is it? /* nested? */ still? */ AND b = 'it''s ?' AND c = $$ok?$$ AND d = $x$?$x$ AND e = $3
            """)
    }

    @Test func textWithoutPlaceholdersAndUnclosedQuotesAreKeptAsTheyAre() {
        #expect(PlaceholderSQL.numbered("SELECT $1, 'é', \"a\"") == "SELECT $1, 'é', \"a\"")
        #expect(PlaceholderSQL.numbered("SELECT 'open ?") == "SELECT 'open ?")
    }
}
