// `?` placeholders become `$n` outside quotes and comments; each text keeps one prepared-statement name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { statementFor, toPositional } from "./statements.ts";

describe("postgres statements", () => {
  it("numbers placeholders in order and leaves quoted text and comments alone", () => {
    assert.equal(toPositional("SELECT 1"), "SELECT 1");
    assert.equal(
      toPositional("UPDATE t SET a = ?, b = ? WHERE c IN (?, ?)"),
      "UPDATE t SET a = $1, b = $2 WHERE c IN ($3, $4)",
    );
    assert.equal(
      toPositional(`SELECT '?', 'it''s ?', "odd?col" FROM t -- why?\nWHERE x = ?`),
      `SELECT '?', 'it''s ?', "odd?col" FROM t -- why?\nWHERE x = $1`,
    );
  });

  it("names each distinct text once", () => {
    const a = statementFor("SELECT ? AS one_statement_for_this_test");
    assert.equal(statementFor("SELECT ? AS one_statement_for_this_test"), a);
    assert.equal(a.text, "SELECT $1 AS one_statement_for_this_test");
    assert.match(a.name ?? "", /^sgp_\d+$/);
    assert.notEqual(statementFor("SELECT ? AS another_statement").name, a.name);
  });
});
