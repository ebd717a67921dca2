// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";
import {IndexOracle} from "../../contracts/oracle/IndexOracle.sol";
import {ObservationSigning, Test} from "./Vm.sol";

/// @notice `twap` against a model: the test keeps its own record of every round's (value,
/// updatedAt) and computes the time-weighted mean over a window segment by segment.
contract IndexOracleTwapTest is Test {
    uint256 internal constant N = 3;
    uint8 internal constant F = 1;
    uint256 internal constant T0 = 1_700_000_000;
    uint256 internal constant MAX_VALUE = type(uint80).max;
    uint256 internal constant MAX_FUTURE_SKEW = 15;
    uint256 internal constant MAX_ROUNDS = 12;
    uint256 internal constant MAX_GAP = 3000;

    struct Record {
        uint256 value;
        uint256 updatedAt;
    }

    IndexOracle internal oracle;
    uint256[N] internal keys;
    address[] internal signers;

    /// @dev The model: every round this test stored, oldest first (including overwritten ones).
    Record[] internal records;
    uint256 internal lastObservedAt;

    function setUp() public {
        vm.warp(T0);
        oracle = new IndexOracle(address(this), address(this));
        for (uint256 i = 0; i < N; ++i) {
            keys[i] = uint256(keccak256(abi.encode("twap-relayer", i)));
            signers.push(vm.addr(keys[i]));
        }
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_twap_matchesTimeWeightedMean(
        uint256[12] memory values,
        uint256[12] memory gaps,
        uint256 roundCount,
        uint256 capacity,
        uint256 tail,
        uint256 startSeed,
        uint256 endSeed,
        bool prefill
    ) public {
        uint256 count = bound(roundCount, 1, MAX_ROUNDS);
        uint256 cap = bound(capacity, 2, 16); // below `count`: older rounds get overwritten
        bytes32 feed = _addFeed(uint16(cap));
        if (prefill) oracle.prefillRing(feed, uint16(cap)); // placeholders must never be read
        for (uint256 i = 0; i < count; ++i) {
            // Gaps of 0 put several rounds in one block (minUpdateInterval is 0).
            vm.warp(block.timestamp + bound(gaps[i], 0, MAX_GAP));
            _submit(feed, bound(values[i], 1, MAX_VALUE));
        }
        vm.warp(block.timestamp + bound(tail, 1, MAX_GAP));

        // The window must start at or after the oldest round still held.
        uint256 oldest = count > cap ? count - cap : 0;
        uint256 coveredFrom = records[oldest].updatedAt;
        uint256 start = bound(startSeed, coveredFrom, block.timestamp - 1);
        uint256 end = bound(endSeed, start + 1, block.timestamp);

        assertEq(oracle.twap(feed, start, end), _modelTwap(start, end), "twap over [start, end)");
        // The whole covered range, and the last second alone.
        assertEq(
            oracle.twap(feed, coveredFrom, block.timestamp),
            _modelTwap(coveredFrom, block.timestamp),
            "twap over the whole covered range"
        );
        assertEq(
            oracle.twap(feed, block.timestamp - 1, block.timestamp),
            records[records.length - 1].value,
            "twap of the last second is the latest value"
        );
    }

    function testFuzz_twap_reverts_whenWindowStartsBeforeOldestHeldRound(
        uint256[12] memory gaps,
        uint256 roundCount,
        uint256 capacity,
        uint256 before
    ) public {
        uint256 count = bound(roundCount, 3, MAX_ROUNDS);
        uint256 cap = bound(capacity, 2, count - 1); // the ring has wrapped
        bytes32 feed = _addFeed(uint16(cap));
        for (uint256 i = 0; i < count; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 1, MAX_GAP));
            _submit(feed, (i + 1) * 1e18);
        }
        vm.warp(block.timestamp + 1);
        uint256 coveredFrom = records[count - cap].updatedAt;
        uint256 start = coveredFrom - bound(before, 1, 2 * MAX_GAP);

        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.TwapWindowNotCovered.selector, feed, start, coveredFrom)
        );
        oracle.twap(feed, start, block.timestamp);
        assertEq(
            oracle.twap(feed, coveredFrom, block.timestamp),
            _modelTwap(coveredFrom, block.timestamp),
            "twap from the oldest held round"
        );
    }

    // ------------------------------------------------------------ examples

    function test_twap_weightsEachRoundByItsBlockTime() public {
        bytes32 feed = _addFeed(8);
        _submit(feed, 100); // T0
        vm.warp(T0 + 10);
        _submit(feed, 200);
        vm.warp(T0 + 30);
        _submit(feed, 400);
        vm.warp(T0 + 40);
        assertEq(oracle.twap(feed, T0, T0 + 40), 225, "(100*10 + 200*20 + 400*10) / 40");
        assertEq(oracle.twap(feed, T0 + 5, T0 + 12), 128, "(100*5 + 200*2) / 7 rounds down");
        assertEq(oracle.twap(feed, T0 + 30, T0 + 31), 400, "one second of the latest");
        assertEq(oracle.twap(feed, T0 + 12, T0 + 30), 200, "inside one round");
    }

    function test_twap_reverts_whenWindowStartsBeforeOldestHeldRound() public {
        bytes32 feed = _addFeed(3);
        for (uint256 i = 0; i < 5; ++i) {
            vm.warp(T0 + 100 * i);
            _submit(feed, (i + 1) * 1e18);
        }
        vm.warp(T0 + 450);
        // Rounds 1 and 2 were overwritten: round 3 (stored at T0 + 200) is the oldest held.
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.TwapWindowNotCovered.selector, feed, T0 + 199, T0 + 200)
        );
        oracle.twap(feed, T0 + 199, T0 + 450);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.RoundNotAvailable.selector, feed, 2, 3, 5));
        oracle.getRound(feed, 2);
        assertEq(oracle.getRound(feed, 3).updatedAt, T0 + 200, "round 3 is held");
        assertEq(oracle.twap(feed, T0 + 200, T0 + 450), (3e18 * 100 + 4e18 * 100 + 5e18 * 50) / 250, "twap");
    }

    function test_twap_reverts_whenWindowStartsBeforeFirstRound() public {
        bytes32 feed = _addFeed(4);
        vm.warp(T0 + 50);
        _submit(feed, 1e18);
        vm.warp(T0 + 60);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TwapWindowNotCovered.selector, feed, T0 + 49, T0 + 50));
        oracle.twap(feed, T0 + 49, T0 + 60);
    }

    function test_twap_reverts_whenWindowInvalidOrEmpty() public {
        bytes32 feed = _addFeed(4);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidTwapWindow.selector, T0 - 1, T0 + 1, T0));
        oracle.twap(feed, T0 - 1, T0 + 1);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.NoData.selector, feed));
        oracle.twap(feed, T0 - 1, T0);
        _submit(feed, 1e18);
        vm.warp(T0 + 10);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidTwapWindow.selector, T0 + 5, T0 + 5, T0 + 10));
        oracle.twap(feed, T0 + 5, T0 + 5);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidTwapWindow.selector, T0 + 5, T0 + 11, T0 + 10));
        oracle.twap(feed, T0 + 5, T0 + 11);
    }

    // ------------------------------------------------------------ model and helpers

    /// @dev Sum over rounds of value x (the part of [start, end) during which it was the latest),
    /// divided by the window length, rounded down.
    function _modelTwap(uint256 start, uint256 end) internal view returns (uint256) {
        uint256 sum;
        uint256 n = records.length;
        for (uint256 i = 0; i < n; ++i) {
            uint256 from = records[i].updatedAt;
            uint256 to = i + 1 < n ? records[i + 1].updatedAt : type(uint256).max;
            uint256 lo = from > start ? from : start;
            uint256 hi = to < end ? to : end;
            if (hi > lo) sum += records[i].value * (hi - lo);
        }
        return sum / (end - start);
    }

    function _addFeed(uint16 capacity) internal returns (bytes32 feed) {
        feed = keccak256(abi.encode("TWAP", capacity));
        oracle.addFeed(
            feed,
            "twap feed",
            signers,
            F,
            IIndexOracle.FeedParams({heartbeat: 3600, maxObservationAge: 600, maxMoveBps: 1, minUpdateInterval: 0}),
            capacity
        );
    }

    /// @dev Stores a round of `value` signed by every signer (so any move is accepted), observed
    /// at the block time or one second after the last round's observation, and records it.
    function _submit(bytes32 feed, uint256 value) internal {
        uint256 observedAt = block.timestamp > lastObservedAt ? block.timestamp : lastObservedAt + 1;
        if (observedAt > block.timestamp + MAX_FUTURE_SKEW) vm.warp(observedAt - MAX_FUTURE_SKEW);
        IIndexOracle.Observation[] memory observations = new IIndexOracle.Observation[](N);
        for (uint256 i = 0; i < N; ++i) {
            observations[i] = ObservationSigning.signObservation(
                oracle, feed, keys[i], value, observedAt, keccak256(abi.encode(i, observedAt))
            );
        }
        oracle.submit(ObservationSigning.report(feed, observations));
        lastObservedAt = observedAt;
        records.push(Record({value: value, updatedAt: block.timestamp}));

        IIndexOracle.Round memory round = oracle.latestRound(feed);
        assertEq(round.roundId, records.length, "roundId");
        assertEq(round.value, value, "stored value");
        assertEq(round.updatedAt, block.timestamp, "updatedAt");
    }
}
