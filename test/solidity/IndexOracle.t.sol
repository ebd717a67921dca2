// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";
import {IndexOracle} from "../../contracts/oracle/IndexOracle.sol";
import {ObservationSigning, Test} from "./Vm.sol";

/// @notice Unit tests of report verification: relayer signatures made with `vm.sign`, and every
/// refusal asserted with its exact custom error and arguments.
contract IndexOracleTest is Test {
    bytes32 internal constant FEED = keccak256("H100-HOUR");
    bytes32 internal constant OTHER_FEED = keccak256("A100-HOUR");
    uint256 internal constant WAD = 1e18;
    uint256 internal constant N = 7;
    uint8 internal constant F = 2;
    uint256 internal constant QUORUM = 2 * uint256(F) + 1;
    uint256 internal constant T0 = 1_700_000_000;
    uint16 internal constant MAX_AGE = 300;
    uint16 internal constant MAX_MOVE_BPS = 1000;
    uint16 internal constant MIN_INTERVAL = 60;
    uint256 internal constant MAX_VALUE = type(uint80).max;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant HALF_ORDER = SECP256K1_N / 2;

    address internal admin = address(0xAD);
    address internal guardian = address(0x6A);
    IndexOracle internal oracle;
    uint256[N] internal keys;
    address[] internal signers;

    function setUp() public {
        vm.warp(T0);
        oracle = new IndexOracle(admin, guardian);
        vm.label(address(oracle), "IndexOracle");
        for (uint256 i = 0; i < N; ++i) {
            keys[i] = uint256(keccak256(abi.encode("relayer", i)));
            signers.push(vm.addr(keys[i]));
            vm.label(signers[i], string.concat("relayer-", _str(i)));
        }
        vm.startPrank(admin);
        oracle.addFeed(FEED, "H100 GPU-hour", signers, F, _params(), 8);
        oracle.addFeed(OTHER_FEED, "A100 GPU-hour", signers, F, _params(), 8);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ accepted reports

    function test_submit_storesMedian_whenQuorumSigned() public {
        uint256[] memory values = _list5(103 * WAD, 100 * WAD, 101 * WAD, 99 * WAD, 250 * WAD);
        uint256[] memory times = _list5(T0, T0 - 10, T0 - 5, T0 + 15, T0 - 1);
        oracle.submit(_report(FEED, _first(QUORUM), values, times));

        IIndexOracle.Round memory round = oracle.latestRound(FEED);
        assertEq(round.roundId, 1, "roundId");
        assertEq(round.value, 101 * WAD, "median of 99, 100, 101, 103, 250");
        assertEq(round.observedAt, T0 + 15, "observedAt is the newest observation");
        assertEq(round.updatedAt, T0, "updatedAt is the block time");
        IIndexOracle.Round memory same = oracle.getRound(FEED, 1);
        assertEq(same.value, round.value, "getRound(1).value");
        assertEq(same.observedAt, round.observedAt, "getRound(1).observedAt");
        assertEq(oracle.feedInfo(FEED).latestRoundId, 1, "feedInfo.latestRoundId");
        assertFalse(oracle.isStale(FEED), "fresh round is not stale");
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.NoData.selector, OTHER_FEED));
        oracle.latestRound(OTHER_FEED);
    }

    function test_submit_storesFlooredMeanOfMiddlePair_whenEvenCount() public {
        uint256[] memory values = new uint256[](6);
        (values[0], values[1], values[2], values[3], values[4], values[5]) = (9, 3, 1, 4, 2, 7);
        oracle.submit(_report(FEED, _first(6), values, _same(6, T0)));
        assertEq(oracle.latestRound(FEED).value, 3, "floor((3 + 4) / 2)");
    }

    function test_submit_acceptsObservationTimeBounds() public {
        uint256[] memory times = _same(QUORUM, T0);
        times[0] = T0 + 15; // MAX_FUTURE_SKEW
        times[1] = T0 - MAX_AGE; // oldest allowed
        oracle.submit(_report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), times));
        assertEq(oracle.latestRound(FEED).observedAt, T0 + 15, "observedAt is the newest");
    }

    function test_submit_acceptsMoveOfExactlyMaxMoveBps() public {
        _submitRound(100 * WAD, T0);
        vm.warp(T0 + MIN_INTERVAL);
        _submitRound(110 * WAD, T0 + MIN_INTERVAL); // +10.00%
        vm.warp(T0 + 2 * MIN_INTERVAL);
        _submitRound(99 * WAD, T0 + 2 * MIN_INTERVAL); // -10.00%
        assertEq(oracle.latestRound(FEED).roundId, 3, "three rounds");
        assertEq(oracle.latestRound(FEED).value, 99 * WAD, "value");
    }

    function test_submit_storesOneRoundPerFeed_whenReportHoldsTwoFeeds() public {
        IIndexOracle.FeedReport[] memory reports = new IIndexOracle.FeedReport[](2);
        reports[0] = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0))[0];
        reports[1] = _report(OTHER_FEED, _first(N), _same(N, 7 * WAD), _same(N, T0 - 1))[0];
        oracle.submit(reports);
        assertEq(oracle.latestRound(FEED).value, 100 * WAD, "first feed");
        assertEq(oracle.latestRound(OTHER_FEED).value, 7 * WAD, "second feed");
        assertEq(oracle.latestRound(OTHER_FEED).observedAt, T0 - 1, "second feed observedAt");
    }

    // ------------------------------------------------------------ signatures

    function test_observationDigest_isEip712OfTheObservation() public view {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("IndexOracle"),
                keccak256("1"),
                block.chainid,
                address(oracle)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Observation(bytes32 feed,uint256 value,uint256 observedAt,bytes32 inputsHash)"),
                FEED,
                uint256(123 * WAD),
                T0,
                bytes32(uint256(42))
            )
        );
        assertEq(
            oracle.observationDigest(FEED, 123 * WAD, T0, bytes32(uint256(42))),
            keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash)),
            "EIP-712 digest"
        );
    }

    function test_signCompact_matchesManualEip2098Packing() public view {
        for (uint256 i = 0; i < N; ++i) {
            bytes32 digest = oracle.observationDigest(FEED, (i + 1) * WAD, T0, bytes32(i));
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            (bytes32 r2, bytes32 vs) = vm.signCompact(keys[i], digest);
            assertEq(r2, r, "r");
            assertEq(vs, ObservationSigning.compact(v, s), "vs");
        }
    }

    function test_submit_reverts_whenSignerDuplicated() public {
        uint256[] memory who = _first(QUORUM);
        who[3] = 1;
        IIndexOracle.FeedReport[] memory reports = _report(FEED, who, _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.DuplicateSigner.selector, FEED, signers[1]));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenSignerUnknown() public {
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        uint256 outsiderKey = uint256(keccak256("outsider"));
        reports[0].observations[2] =
            ObservationSigning.signObservation(oracle, FEED, outsiderKey, 100 * WAD, T0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownSigner.selector, FEED, vm.addr(outsiderKey)));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenSignedValueTampered() public {
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        IIndexOracle.Observation memory o = reports[0].observations[1];
        o.value = 101 * WAD; // signed 100
        address recovered = _recover(oracle.observationDigest(FEED, o.value, o.observedAt, o.inputsHash), o);
        assertTrue(recovered != signers[1] && recovered != address(0), "tampering changes the signer");
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownSigner.selector, FEED, recovered));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenSignedForOtherFeed() public {
        IIndexOracle.FeedReport[] memory reports =
            _report(OTHER_FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        reports[0].feed = FEED;
        IIndexOracle.Observation memory o = reports[0].observations[0];
        address recovered = _recover(oracle.observationDigest(FEED, o.value, o.observedAt, o.inputsHash), o);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownSigner.selector, FEED, recovered));
        oracle.submit(reports);
    }

    /// @dev A compact signature cannot carry the high-s twin of a signature whose s is below
    /// 2^255 - (2^256 - n) (n - s would need the recovery bit), so the only high s values a
    /// report can hold are those in (n/2, 2^255): refused before ecrecover.
    function test_submit_reverts_whenSignatureSIsAboveHalfOrder() public {
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        reports[0].observations[2].vs = bytes32(HALF_ORDER + 1);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidSignature.selector, FEED, 2));
        oracle.submit(reports);

        reports[0].observations[2].vs = bytes32((1 << 255) | (HALF_ORDER + 1)); // recovery bit set
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidSignature.selector, FEED, 2));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenSignatureDoesNotRecover() public {
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        reports[0].observations[0].r = bytes32(0); // ecrecover yields no address
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.InvalidSignature.selector, FEED, 0));
        oracle.submit(reports);
    }

    // ------------------------------------------------------------ report shape

    function test_submit_reverts_whenTooFewObservations() public {
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM - 1), _same(QUORUM - 1, 100 * WAD), _same(QUORUM - 1, T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TooFewObservations.selector, FEED, QUORUM - 1, QUORUM));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenTooManyObservations() public {
        uint256[] memory who = new uint256[](N + 1);
        for (uint256 i = 0; i < N; ++i) {
            who[i] = i;
        }
        IIndexOracle.FeedReport[] memory reports = _report(FEED, who, _same(N + 1, 100 * WAD), _same(N + 1, T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.TooManyObservations.selector, FEED, N + 1, N));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenReportEmpty() public {
        vm.expectRevert(IIndexOracle.EmptyReport.selector);
        oracle.submit(new IIndexOracle.FeedReport[](0));
    }

    function test_submit_reverts_whenFeedUnknown() public {
        bytes32 unknown = keccak256("UNKNOWN");
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        reports[0].feed = unknown;
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownFeed.selector, unknown));
        oracle.submit(reports);
    }

    /// @dev Regression: the signer set used to be loaded before the feed was checked, so an
    /// unknown feed after a known one reverted with Panic(0x11) instead of UnknownFeed.
    function test_submit_reverts_withUnknownFeed_whenUnknownFeedFollowsKnownFeed() public {
        bytes32 unknown = keccak256("UNKNOWN");
        IIndexOracle.FeedReport[] memory reports = new IIndexOracle.FeedReport[](2);
        reports[0] = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0))[0];
        reports[1] = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0))[0];
        reports[1].feed = unknown;
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.UnknownFeed.selector, unknown));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenFeedPaused() public {
        vm.prank(guardian);
        oracle.pause(FEED);
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.FeedIsPaused.selector, FEED));
        oracle.submit(reports);
    }

    function test_submit_revertsWholeReport_whenOneFeedFails() public {
        IIndexOracle.FeedReport[] memory reports = new IIndexOracle.FeedReport[](2);
        reports[0] = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0))[0];
        reports[1] = _report(OTHER_FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0 + 16))[0];
        vm.expectRevert(
            abi.encodeWithSelector(
                IIndexOracle.ObservationFromFuture.selector, OTHER_FEED, signers[0], T0 + 16, T0 + 15
            )
        );
        oracle.submit(reports);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.NoData.selector, FEED));
        oracle.latestRound(FEED);
    }

    // ------------------------------------------------------------ observations

    function test_submit_reverts_whenObservationFromFuture() public {
        uint256[] memory times = _same(QUORUM, T0);
        times[3] = T0 + 16;
        IIndexOracle.FeedReport[] memory reports = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), times);
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.ObservationFromFuture.selector, FEED, signers[3], T0 + 16, T0 + 15)
        );
        oracle.submit(reports);
    }

    function test_submit_reverts_whenObservationTooOld() public {
        uint256[] memory times = _same(QUORUM, T0);
        times[4] = T0 - MAX_AGE - 1;
        IIndexOracle.FeedReport[] memory reports = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), times);
        vm.expectRevert(
            abi.encodeWithSelector(
                IIndexOracle.ObservationTooOld.selector, FEED, signers[4], T0 - MAX_AGE - 1, T0 - MAX_AGE
            )
        );
        oracle.submit(reports);
    }

    function test_submit_reverts_whenObservationNotNewer() public {
        uint256[] memory times = _same(QUORUM, T0);
        times[2] = T0 - 20; // an older observation; the round's observedAt is the newest, T0
        oracle.submit(_report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), times));
        assertEq(oracle.latestRound(FEED).observedAt, T0, "observedAt of round 1");

        vm.warp(T0 + MIN_INTERVAL);
        times = _same(QUORUM, T0 + MIN_INTERVAL);
        times[1] = T0; // equal to the last observedAt: not newer
        IIndexOracle.FeedReport[] memory reports = _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), times);
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.ObservationNotNewer.selector, FEED, signers[1], T0, T0));
        oracle.submit(reports);

        times[1] = T0 + 1; // one second newer is fine
        oracle.submit(_report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), times));
        assertEq(oracle.latestRound(FEED).observedAt, T0 + MIN_INTERVAL, "observedAt of round 2");
    }

    function test_submit_reverts_whenValueZero() public {
        uint256[] memory values = _same(QUORUM, 100 * WAD);
        values[1] = 0;
        IIndexOracle.FeedReport[] memory reports = _report(FEED, _first(QUORUM), values, _same(QUORUM, T0));
        vm.expectRevert(abi.encodeWithSelector(IIndexOracle.ZeroValue.selector, FEED, signers[1]));
        oracle.submit(reports);
    }

    function test_submit_reverts_whenValueTooLarge() public {
        uint256[] memory values = _same(QUORUM, MAX_VALUE);
        values[4] = MAX_VALUE + 1;
        IIndexOracle.FeedReport[] memory reports = _report(FEED, _first(QUORUM), values, _same(QUORUM, T0));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.ValueTooLarge.selector, FEED, signers[4], MAX_VALUE + 1, MAX_VALUE)
        );
        oracle.submit(reports);

        values[4] = MAX_VALUE;
        oracle.submit(_report(FEED, _first(QUORUM), values, _same(QUORUM, T0)));
        assertEq(oracle.latestRound(FEED).value, MAX_VALUE, "MAX_VALUE is accepted");
    }

    // ------------------------------------------------------------ rounds

    function test_submit_reverts_whenUpdateTooSoon() public {
        _submitRound(100 * WAD, T0);
        vm.warp(T0 + MIN_INTERVAL - 1);
        IIndexOracle.FeedReport[] memory reports =
            _report(FEED, _first(QUORUM), _same(QUORUM, 100 * WAD), _same(QUORUM, T0 + MIN_INTERVAL - 1));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.UpdateTooSoon.selector, FEED, T0, T0 + MIN_INTERVAL)
        );
        oracle.submit(reports);

        vm.warp(T0 + MIN_INTERVAL);
        oracle.submit(reports);
        assertEq(oracle.latestRound(FEED).roundId, 2, "accepted once the interval passed");
    }

    function test_submit_reverts_whenMoveTooLarge_unlessAllSignersSigned() public {
        _submitRound(100 * WAD, T0);
        vm.warp(T0 + MIN_INTERVAL);
        uint256 t = T0 + MIN_INTERVAL;
        uint256 up = 110 * WAD + 1; // just above +10%

        IIndexOracle.FeedReport[] memory reports = _report(FEED, _first(QUORUM), _same(QUORUM, up), _same(QUORUM, t));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.MoveTooLarge.selector, FEED, 100 * WAD, up, MAX_MOVE_BPS, QUORUM, N)
        );
        oracle.submit(reports);

        reports = _report(FEED, _first(N - 1), _same(N - 1, up), _same(N - 1, t));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.MoveTooLarge.selector, FEED, 100 * WAD, up, MAX_MOVE_BPS, N - 1, N)
        );
        oracle.submit(reports);

        uint256 down = 90 * WAD - 1; // just below -10%
        reports = _report(FEED, _first(QUORUM), _same(QUORUM, down), _same(QUORUM, t));
        vm.expectRevert(
            abi.encodeWithSelector(IIndexOracle.MoveTooLarge.selector, FEED, 100 * WAD, down, MAX_MOVE_BPS, QUORUM, N)
        );
        oracle.submit(reports);

        // Every signer signed: the circuit breaker lets even a tenfold move through.
        oracle.submit(_report(FEED, _first(N), _same(N, 1000 * WAD), _same(N, t)));
        assertEq(oracle.latestRound(FEED).value, 1000 * WAD, "all-signer move accepted");
    }

    // ------------------------------------------------------------ helpers

    function _params() internal pure returns (IIndexOracle.FeedParams memory) {
        return IIndexOracle.FeedParams({
            heartbeat: 3600,
            maxObservationAge: MAX_AGE,
            maxMoveBps: MAX_MOVE_BPS,
            minUpdateInterval: MIN_INTERVAL
        });
    }

    function _submitRound(uint256 value, uint256 observedAt) internal {
        oracle.submit(_report(FEED, _first(QUORUM), _same(QUORUM, value), _same(QUORUM, observedAt)));
    }

    /// @dev A one-feed report: observation i signed by relayer `who[i]` for `values[i]` at `times[i]`.
    function _report(bytes32 feed, uint256[] memory who, uint256[] memory values, uint256[] memory times)
        internal
        view
        returns (IIndexOracle.FeedReport[] memory)
    {
        IIndexOracle.Observation[] memory observations = new IIndexOracle.Observation[](who.length);
        for (uint256 i = 0; i < who.length; ++i) {
            observations[i] = ObservationSigning.signObservation(
                oracle, feed, keys[who[i]], values[i], times[i], keccak256(abi.encode("inputs", who[i], times[i]))
            );
        }
        return ObservationSigning.report(feed, observations);
    }

    function _recover(bytes32 digest, IIndexOracle.Observation memory o) internal pure returns (address) {
        uint8 v = uint8(uint256(o.vs) >> 255) + 27;
        return ecrecover(digest, v, o.r, bytes32(uint256(o.vs) & (type(uint256).max >> 1)));
    }

    function _first(uint256 count) internal pure returns (uint256[] memory who) {
        who = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            who[i] = i;
        }
    }

    function _same(uint256 count, uint256 x) internal pure returns (uint256[] memory out) {
        out = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            out[i] = x;
        }
    }

    function _list5(uint256 a, uint256 b, uint256 c, uint256 d, uint256 e) internal pure returns (uint256[] memory out) {
        out = new uint256[](5);
        (out[0], out[1], out[2], out[3], out[4]) = (a, b, c, d, e);
    }
}
