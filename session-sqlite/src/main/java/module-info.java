/**
 * Fairway's {@code sqlite} session store: {@link dev.fairway.session.sqlite.SqliteSessionStoreFactory}
 * journals sessions in one SQLite file under the application's data directory, so that sessions resume
 * across a restart or a crash of the process. SQLite comes through the xerial JDBC driver (module
 * {@code org.xerial.sqlitejdbc}), whose jar carries the native library.
 */
module dev.fairway.session.sqlite {
    requires transitive dev.fairway.api;
    requires java.sql;
    requires org.xerial.sqlitejdbc;

    exports dev.fairway.session.sqlite;

    provides dev.fairway.api.session.SessionStoreFactory with dev.fairway.session.sqlite.SqliteSessionStoreFactory;
}
