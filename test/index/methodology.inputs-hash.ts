/**
 * inputsHash: the documented ABI encoding of the used quotes (src/index/inputs-hash.ts,
 * docs/methodology.md "inputsHash"), rebuilt here by hand.
 */
import { expect } from "chai";
import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";

import { computeIndex } from "../../src/index/compute.js";
import { WAD } from "../../src/index/decimal.js";
import { feedId } from "../../src/index/feed-id.js";
import { inputsHash } from "../../src/index/inputs-hash.js";
import type { IndexResult, Quote } from "../../src/index/types.js";
import { feedId as oracleTestFeedId } from "../helpers/oracle.js";
import { NOW, quote, testFeed } from "./methodology-fixtures.js";

const T = NOW - 60;

function hashOf(result: IndexResult): string {
  if (!result.ok) expect.fail(result.error);
  return result.inputsHash;
}

describe("methodology: inputsHash", function () {
  const feed = testFeed({ constituents: { x: "1", y: "1" } });

  it("is keccak256 of abi.encode(feedId, version, sorted used quotes)", function () {
    const quotes: Quote[] = [
      quote("s2", "10", { weight: 5n }),
      quote("s1", "30", { constituent: "y", kind: "firm" }),
      quote("s1", "12"),
      quote("s3", "11", { observedAt: NOW - 7_200 }), // stale: not part of the hash
    ];
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint256", "tuple(string,string,string,uint256,uint256,uint256)[]"],
        [
          keccak256(toUtf8Bytes("TEST-FEED")),
          1n,
          [
            ["x", "s1", "firm", 12n * WAD, BigInt(T), 0n],
            ["x", "s2", "firm", 10n * WAD, BigInt(T), 5n],
            ["y", "s1", "firm", 30n * WAD, BigInt(T), 0n],
          ],
        ],
      ),
    );
    expect(hashOf(computeIndex(feed, quotes, NOW))).to.equal(expected);
  });

  it("sorts by constituent, source, kind, price, observedAt and weight", function () {
    const q = (fields: Partial<Quote>) => quote("s1", "1", fields);
    const canonical = [
      q({ kind: "transaction", price: 2n }),
      q({ kind: "firm", price: 1n, observedAt: 5 }),
      q({ kind: "firm", price: 2n, observedAt: 4 }),
      q({ kind: "firm", price: 2n, observedAt: 5 }),
      q({ kind: "firm", price: 2n, observedAt: 5, weight: 1n }),
      q({ kind: "firm", price: 2n, observedAt: 5, weight: 2n }),
      q({ kind: "indicative", price: 1n }),
      quote("s2", "1", { kind: "transaction" }),
      quote("s1", "1", { constituent: "y", kind: "transaction" }),
    ];
    const encode = (list: Quote[]) =>
      keccak256(
        AbiCoder.defaultAbiCoder().encode(
          ["bytes32", "uint256", "tuple(string,string,string,uint256,uint256,uint256)[]"],
          [feedId("F"), 7n, list.map((x) => [x.constituent, x.source, x.kind, x.price, BigInt(x.observedAt), x.weight ?? 0n])],
        ),
      );
    expect(inputsHash("F", 7, [...canonical].reverse())).to.equal(encode(canonical));
  });

  it("encodes an absent weight as 0, unlike any real weight", function () {
    expect(inputsHash("F", 1, [quote("s1", "1")])).to.not.equal(inputsHash("F", 1, [quote("s1", "1", { weight: 1n })]));
  });

  it("ignores the quotes that were dropped", function () {
    const used = [quote("s1", "10"), quote("s2", "10.5")];
    const withDropped = [...used, quote("s3", "50"), quote("s4", "10", { unit: "USD per something else" })];
    expect(hashOf(computeIndex(feed, withDropped, NOW))).to.equal(hashOf(computeIndex(feed, used, NOW)));
  });

  it("ignores the computation time while the same quotes are used", function () {
    const quotes = [quote("s1", "10")];
    expect(hashOf(computeIndex(feed, quotes, NOW))).to.equal(hashOf(computeIndex(feed, quotes, NOW + 100)));
  });

  it("changes with the methodology version and with the feed", function () {
    const quotes = [quote("s1", "10")];
    const base = hashOf(computeIndex(feed, quotes, NOW));
    const nextVersion = testFeed({ constituents: { x: "1", y: "1" }, methodologyVersion: 2 });
    const otherFeed = testFeed({ constituents: { x: "1", y: "1" }, id: "OTHER-FEED" });
    expect(hashOf(computeIndex(nextVersion, quotes, NOW))).to.not.equal(base);
    expect(hashOf(computeIndex(otherFeed, quotes, NOW))).to.not.equal(base);
  });

  it("uses the oracle's feed id: keccak256 of the name, as test/helpers/oracle.ts", function () {
    expect(feedId("H100-HOUR")).to.equal(keccak256(toUtf8Bytes("H100-HOUR")));
    expect(feedId("H100-HOUR")).to.equal(oracleTestFeedId("H100-HOUR"));
  });
});
