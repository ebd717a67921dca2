// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";
import {IndexOracle} from "../../contracts/oracle/IndexOracle.sol";
import {ObservationSigning, Test} from "./Vm.sol";

/// @title OracleHandler
/// @notice Drives one feed of an IndexOracle for the invariant tests. Its actions bound their
/// inputs and only ever submit valid reports, so none reverts on its own: with
/// `fail-on-revert` any revert is a refusal of a valid report, i.e. a bug. After every
/// accepted report it checks the new round against the previous one and against the honest
/// observations it signed, and counts violations for the invariants to assert.
/// @dev Signers `N - F ..= N - 1` are the liars: any report holds at most F of their
/// observations, each an arbitrary valid value; the others observe `base` within `spread`.
contract OracleHandler is Test {
    uint256 public constant N = 7;
    uint8 public constant F = 2;
    uint256 public constant MAX_VALUE = type(uint80).max;
    uint256 public constant MAX_FUTURE_SKEW = 15;
    uint256 public constant MAX_AGE = 600;
    uint256 public constant MIN_INTERVAL = 30;
    uint256 public constant MAX_MOVE_BPS = 65_535;
    uint256 internal constant BPS = 10_000;
    /// @dev `base` stays well inside (0, MAX_VALUE] so that honest values (base +- 10%) do too.
    uint256 internal constant MIN_BASE = 1e9;
    uint256 internal constant MAX_BASE = MAX_VALUE / 4;

    IIndexOracle public immutable oracle;
    bytes32 public immutable feed;
    uint256[N] internal keys;

    /// @notice The honest reference value.
    uint256 public base = 2_000e18;

    // ------------------------------------------------------------ ghost state

    /// @notice Rounds this handler got accepted, and the last round it saw stored.
    uint256 public accepted;
    uint64 public lastRoundId;
    uint256 public lastObservedAt;
    /// @notice The honest range of the last accepted report.
    uint256 public lastHonestMin;
    uint256 public lastHonestMax;
    /// @notice Violations seen right after an action; the invariants require zero.
    uint256 public roundOrderViolations;
    uint256 public medianViolations;
    /// @notice Coverage counters: reports by liar count (0..F), refused stale reports, all-signer
    /// jumps, idle waits.
    uint256[3] public reportsWithLiars;
    uint256 public staleRefused;
    uint256 public jumps;
    uint256 public waits;

    struct Draft {
        uint256[] who;
        uint256[] values;
        uint256[] times;
        uint256 honestMin;
        uint256 honestMax;
        uint256 liars;
        uint256 newest;
    }

    constructor(IIndexOracle oracle_, bytes32 feed_, uint256[N] memory keys_) {
        oracle = oracle_;
        feed = feed_;
        keys = keys_;
    }

    // ------------------------------------------------------------ actions

    /// @notice A quorum report (2f+1 to n observations, up to f of them lies) after some time.
    function submitReport(uint256 seed, uint256 count, uint256 gap, uint256 driftBps, uint256 spreadBps) external {
        vm.warp(block.timestamp + bound(gap, MIN_INTERVAL, 2 hours));
        base = _clampBase(_nudge(base, driftBps, 2000)); // base moves by up to +-20%
        Draft memory d = _draft(seed, bound(count, 2 * uint256(F) + 1, N), bound(spreadBps, 0, 1000));
        _submitAndCheck(d);
    }

    /// @notice A report every signer signed, with a move far beyond maxMoveBps (x10 or /10).
    function submitJump(uint256 seed, bool up, uint256 gap) external {
        vm.warp(block.timestamp + bound(gap, MIN_INTERVAL, 2 hours));
        base = _clampBase(up ? base * 10 : base / 10);
        Draft memory d = _draft(seed, N, 500);
        _submitAndCheck(d);
        ++jumps;
    }

    /// @notice A report that repeats or predates the last round's observedAt must be refused.
    function submitStale(uint256 seed, uint256 gap, uint256 back) external {
        if (accepted == 0) return;
        vm.warp(block.timestamp + bound(gap, MIN_INTERVAL, 2 hours));
        Draft memory d = _draft(seed, 2 * uint256(F) + 1, 100);
        // Half the time exactly the last observedAt (the boundary), else up to a minute before.
        uint256 stale = back % 2 == 0 ? lastObservedAt : lastObservedAt - bound(back, 1, 60);
        d.times[seed % d.times.length] = stale;
        try oracle.submit(_sign(d)) {
            // Accepted: the new round is not newer than the last one.
            ++roundOrderViolations;
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            // Refused as not newer, or as too old when the last round is long past.
            bool expected = selector == IIndexOracle.ObservationNotNewer.selector
                || (selector == IIndexOracle.ObservationTooOld.selector && stale + MAX_AGE < block.timestamp);
            if (!expected) ++roundOrderViolations;
            ++staleRefused;
        }
    }

    /// @notice Time passes without a round.
    function wait(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 1 days));
        ++waits;
    }

    // ------------------------------------------------------------ internals

    /// @dev Picks `count` distinct signers at random; liars sign arbitrary values, the others
    /// `base` within `spreadBps`; observation times lie in the allowed window and after the
    /// last round's observedAt.
    function _draft(uint256 seed, uint256 count, uint256 spreadBps) internal view returns (Draft memory d) {
        uint256[N] memory order;
        for (uint256 i = 0; i < N; ++i) {
            order[i] = i;
        }
        for (uint256 i = N - 1; i > 0; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, "shuffle", i))) % (i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        d.who = new uint256[](count);
        d.values = new uint256[](count);
        d.times = new uint256[](count);
        d.honestMin = type(uint256).max;
        d.newest = 0;
        uint256 earliest = block.timestamp - MAX_AGE;
        if (earliest <= lastObservedAt) earliest = lastObservedAt + 1;
        uint256 latest = block.timestamp + MAX_FUTURE_SKEW;
        for (uint256 k = 0; k < count; ++k) {
            uint256 signer = order[k];
            uint256 r = uint256(keccak256(abi.encode(seed, "observation", k)));
            d.who[k] = signer;
            d.times[k] = earliest + r % (latest - earliest + 1);
            if (d.times[k] > d.newest) d.newest = d.times[k];
            if (signer < N - F) {
                d.values[k] = _nudge(base, r >> 128, spreadBps);
                if (d.values[k] < d.honestMin) d.honestMin = d.values[k];
                if (d.values[k] > d.honestMax) d.honestMax = d.values[k];
            } else {
                ++d.liars;
                d.values[k] = _lie(r >> 64);
            }
        }
        // The honest range is known once all are drawn: liars that sit just outside it.
        for (uint256 k = 0; k < count; ++k) {
            if (d.who[k] < N - F) continue;
            uint256 mode = uint256(keccak256(abi.encode(seed, "mode", k))) % 6;
            if (mode == 0 && d.honestMax < MAX_VALUE) d.values[k] = d.honestMax + 1;
            if (mode == 1 && d.honestMin > 1) d.values[k] = d.honestMin - 1;
        }
    }

    function _submitAndCheck(Draft memory d) internal {
        // Not try/catch: a valid report that reverts fails the run (fail-on-revert).
        oracle.submit(_sign(d));
        IIndexOracle.Round memory round = oracle.latestRound(feed);
        if (round.roundId != lastRoundId + 1) ++roundOrderViolations;
        if (accepted != 0 && round.observedAt <= lastObservedAt) ++roundOrderViolations;
        if (round.observedAt != d.newest) ++roundOrderViolations;
        if (round.value < d.honestMin || round.value > d.honestMax) ++medianViolations;
        ++accepted;
        ++reportsWithLiars[d.liars];
        lastRoundId = round.roundId;
        lastObservedAt = round.observedAt;
        lastHonestMin = d.honestMin;
        lastHonestMax = d.honestMax;
    }

    function _sign(Draft memory d) internal view returns (IIndexOracle.FeedReport[] memory) {
        IIndexOracle.Observation[] memory observations = new IIndexOracle.Observation[](d.who.length);
        for (uint256 k = 0; k < d.who.length; ++k) {
            observations[k] = ObservationSigning.signObservation(
                oracle, feed, keys[d.who[k]], d.values[k], d.times[k], keccak256(abi.encode(d.who[k], d.times[k]))
            );
        }
        return ObservationSigning.report(feed, observations);
    }

    /// @dev An arbitrary valid value, often an extreme one.
    function _lie(uint256 r) internal pure returns (uint256) {
        uint256 mode = r % 4;
        if (mode == 0) return 1;
        if (mode == 1) return MAX_VALUE;
        return bound(r >> 8, 1, MAX_VALUE);
    }

    /// @dev `x` moved by a pseudo-random amount in [-maxBps, +maxBps] (r picks it).
    function _nudge(uint256 x, uint256 r, uint256 maxBps) internal pure returns (uint256) {
        uint256 bps = r % (2 * maxBps + 1); // 0 ..= 2 maxBps, maxBps is no move
        return x * (BPS - maxBps + bps) / BPS;
    }

    function _clampBase(uint256 x) internal pure returns (uint256) {
        if (x < MIN_BASE) return MIN_BASE;
        if (x > MAX_BASE) return MAX_BASE;
        return x;
    }
}

/// @notice The invariants of docs/INVARIANTS.md, fuzzed through OracleHandler: random sequences
/// of quorum reports (with up to f lying signers), all-signer jumps, stale reports and idle time.
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 100
/// forge-config: default.invariant.fail-on-revert = true
contract IndexOracleInvariantsTest is Test {
    bytes32 internal constant FEED = keccak256("H100-HOUR");
    uint16 internal constant RING = 16;
    uint256 internal constant T0 = 1_700_000_000;

    IndexOracle internal oracle;
    OracleHandler internal handler;

    function setUp() public {
        vm.warp(T0);
        oracle = new IndexOracle(address(this), address(this));
        uint256 n = 7;
        uint256[7] memory keys;
        address[] memory signers = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = uint256(keccak256(abi.encode("invariant-relayer", i)));
            signers[i] = vm.addr(keys[i]);
        }
        handler = new OracleHandler(oracle, FEED, keys);
        oracle.addFeed(
            FEED,
            "H100 GPU-hour",
            signers,
            handler.F(),
            IIndexOracle.FeedParams({
                heartbeat: 3600,
                maxObservationAge: uint16(handler.MAX_AGE()),
                maxMoveBps: uint16(handler.MAX_MOVE_BPS()),
                minUpdateInterval: uint16(handler.MIN_INTERVAL())
            }),
            RING
        );
        // Start every run with a round so that each action moves from a previous value.
        handler.submitReport(1, 5, 0, 0, 0);

        vm.label(address(oracle), "IndexOracle");
        vm.label(address(handler), "OracleHandler");
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = OracleHandler.submitReport.selector;
        selectors[1] = OracleHandler.submitJump.selector;
        selectors[2] = OracleHandler.submitStale.selector;
        selectors[3] = OracleHandler.wait.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice Per feed, round ids increase by one and each round's observedAt is greater than
    /// the previous round's.
    function invariant_roundsStrictlyIncrease() public view {
        assertEq(handler.roundOrderViolations(), 0, "a round was not after its predecessor");
        IIndexOracle.Round memory latest = oracle.latestRound(FEED);
        assertEq(latest.roundId, handler.accepted(), "one round per accepted report");
        assertEq(oracle.feedInfo(FEED).latestRoundId, latest.roundId, "feedInfo.latestRoundId");
        assertEq(latest.observedAt, handler.lastObservedAt(), "latest observedAt");
        // Walk every round still held, oldest to newest.
        uint64 oldest = latest.roundId > RING ? latest.roundId - RING + 1 : 1;
        IIndexOracle.Round memory previous = oracle.getRound(FEED, oldest);
        assertEq(previous.roundId, oldest, "oldest roundId");
        for (uint64 id = oldest + 1; id <= latest.roundId; ++id) {
            IIndexOracle.Round memory round = oracle.getRound(FEED, id);
            assertEq(round.roundId, previous.roundId + 1, "round ids step by one");
            assertGt(round.observedAt, previous.observedAt, "observedAt strictly increases");
            assertGe(round.updatedAt, previous.updatedAt, "updatedAt never decreases");
            previous = round;
        }
    }

    /// @notice With at least 2f+1 observations of which at most f are arbitrary, the stored value
    /// lies within the range of the honest observations.
    function invariant_medianWithinHonestRange() public view {
        assertEq(handler.medianViolations(), 0, "a median left the honest range");
        uint256 value = oracle.latestRound(FEED).value;
        assertGe(value, handler.lastHonestMin(), "latest value >= min honest");
        assertLe(value, handler.lastHonestMax(), "latest value <= max honest");
    }
}
