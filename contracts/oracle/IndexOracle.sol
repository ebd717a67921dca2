// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IIndexOracle} from "../interfaces/IIndexOracle.sol";
import {Median} from "../libraries/Median.sol";
import {RoundLog} from "../libraries/RoundLog.sol";
import {SignerSet} from "../libraries/SignerSet.sol";

/// @title IndexOracle
/// @notice Quorum-signed compute price indexes with TWAP checkpoints. See IIndexOracle and
/// docs/oracle.md.
/// @custom:invariant roundsStrictlyIncrease — per feed, round ids increase by one and each
/// round's observedAt is greater than the previous round's.
/// @custom:invariant medianWithinHonestRange — with at least 2f+1 observations of which at most
/// f are arbitrary, the stored value lies within the range of the honest observations.
contract IndexOracle is IIndexOracle, AccessControl, EIP712 {
    /// @notice May pause a feed.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Largest index value: values and 32-bit timestamps then keep the cumulative sum
    /// below 2^112, so one round fits in one storage slot. In WAD: about 1.2 million USD per
    /// index unit.
    uint256 public constant MAX_VALUE = type(uint80).max;
    /// @notice At most 31 signers per feed (a 32-bit mask tracks who signed).
    uint256 public constant MAX_SIGNERS = 31;
    /// @notice How far in the future (seconds) an observation's time may lie: relayer clocks
    /// and block timestamps drift a little.
    uint256 public constant MAX_FUTURE_SKEW = 15;
    uint256 private constant _BPS = 10_000;

    bytes32 public constant OBSERVATION_TYPEHASH =
        keccak256("Observation(bytes32 feed,uint256 value,uint256 observedAt,bytes32 inputsHash)");

    /// @dev The upper half of the secp256k1 order: a signature with s above it is the
    /// malleable twin of another and is refused.
    uint256 private constant _HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev Read on every report; one slot (160 + 8 + 8 + 8 + 24 + 16 + 16 + 16 bits).
    struct Config {
        address signers; // SignerSet data contract; zero for an unknown feed
        uint8 signerCount;
        uint8 f;
        bool paused;
        FeedParams params;
    }

    /// @dev Round counter and ring geometry; one slot.
    struct State {
        uint64 latestRoundId;
        uint16 ringCapacity;
        uint16 ringPrefilled;
    }

    /// @dev One round and its TWAP checkpoint; one slot (80 + 32 + 32 + 112 bits).
    /// `cumulative` = sum over earlier rounds of value x seconds it was the latest: below
    /// MAX_VALUE x 2^32 = 2^112.
    struct Checkpoint {
        uint80 value;
        uint32 observedAt;
        uint32 updatedAt;
        uint112 cumulative;
    }

    /// @dev What checking one feed's observations needs, bundled to keep the stack shallow.
    struct VerifyContext {
        bytes32 feed;
        bytes32 domainSeparator;
        uint256 maxAge;
        uint256 lastObservedAt;
    }

    mapping(bytes32 feed => Config) private _configs;
    mapping(bytes32 feed => State) private _states;
    mapping(bytes32 feed => mapping(uint256 slot => Checkpoint)) private _rings;
    mapping(bytes32 feed => string) private _descriptions;

    constructor(address admin, address guardian) EIP712("IndexOracle", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ================================================================ reports

    /// @inheritdoc IIndexOracle
    function submit(FeedReport[] calldata reports) external {
        if (reports.length == 0) revert EmptyReport();
        bytes32 domainSeparator = _domainSeparatorV4();
        // Feeds that share a signer set share its data contract: load it once per report.
        address loadedPointer;
        address[] memory signers;
        for (uint256 i = 0; i < reports.length; ++i) {
            bytes32 feed = reports[i].feed;
            Config memory config = _configs[feed];
            if (config.signers == address(0)) revert UnknownFeed(feed);
            if (config.signers != loadedPointer) {
                loadedPointer = config.signers;
                signers = SignerSet.load(loadedPointer);
            }
            _submitFeed(feed, reports[i].observations, config, signers, domainSeparator);
        }
    }

    function _submitFeed(
        bytes32 feed,
        Observation[] calldata observations,
        Config memory config,
        address[] memory signers,
        bytes32 domainSeparator
    ) private {
        if (config.paused) revert FeedIsPaused(feed);
        uint256 count = observations.length;
        if (count < 2 * uint256(config.f) + 1) revert TooFewObservations(feed, count, 2 * uint256(config.f) + 1);
        if (count > config.signerCount) revert TooManyObservations(feed, count, config.signerCount);

        State memory state = _states[feed];
        Checkpoint memory last;
        if (state.latestRoundId != 0) {
            last = _rings[feed][state.latestRoundId % state.ringCapacity];
            uint256 nextAllowedAt = uint256(last.updatedAt) + config.params.minUpdateInterval;
            if (block.timestamp < nextAllowedAt) revert UpdateTooSoon(feed, last.updatedAt, nextAllowedAt);
        }

        bytes memory roundLog = RoundLog.create(count);
        uint256[] memory sorted = new uint256[](count);
        uint256 observedAt = _verify(
            VerifyContext(feed, domainSeparator, config.params.maxObservationAge, last.observedAt),
            observations,
            signers,
            roundLog,
            sorted
        );
        uint256 value = Median.ofSorted(sorted);
        if (last.value != 0 && count < config.signerCount) _checkMove(feed, config, last.value, value, count);
        uint64 roundId = _store(feed, state, last, value, observedAt);
        RoundLog.emitRound(roundLog, feed, roundId, value, observedAt);
    }

    function _store(bytes32 feed, State memory state, Checkpoint memory last, uint256 value, uint256 observedAt)
        private
        returns (uint64 roundId)
    {
        roundId = state.latestRoundId + 1;
        // Casts are safe: value <= MAX_VALUE and times were checked against block.timestamp,
        // which fits 32 bits until 2106; cumulative < 2^112 (see Checkpoint).
        _rings[feed][roundId % state.ringCapacity] = Checkpoint({
            value: uint80(value),
            observedAt: uint32(observedAt),
            updatedAt: uint32(block.timestamp),
            cumulative: last.cumulative + uint112(uint256(last.value) * (block.timestamp - last.updatedAt))
        });
        _states[feed].latestRoundId = roundId;
    }

    /// @dev Checks every observation and its signature; records each in the round's log and
    /// its value in `sorted`. Returns the newest observedAt.
    function _verify(
        VerifyContext memory context,
        Observation[] calldata observations,
        address[] memory signers,
        bytes memory roundLog,
        uint256[] memory sorted
    ) private view returns (uint256 newest) {
        uint256 count = observations.length;
        uint256 seen; // bit i set: signers[i] has signed
        for (uint256 i = 0; i < count; ++i) {
            Observation calldata o = observations[i];
            address signer = _recover(context.domainSeparator, context.feed, o, i);
            uint256 bit = 1 << _indexOf(context.feed, signers, signer);
            if (seen & bit != 0) revert DuplicateSigner(context.feed, signer);
            seen |= bit;
            uint256 value = o.value;
            uint256 observedAt = o.observedAt;
            _checkObservation(context, signer, value, observedAt);
            if (observedAt > newest) newest = observedAt;
            Median.insert(sorted, i, value);
            RoundLog.record(roundLog, count, i, signer, value, o.inputsHash);
        }
    }

    function _checkObservation(VerifyContext memory context, address signer, uint256 value, uint256 observedAt)
        private
        view
    {
        bytes32 feed = context.feed;
        if (value == 0) revert ZeroValue(feed, signer);
        if (value > MAX_VALUE) revert ValueTooLarge(feed, signer, value, MAX_VALUE);
        if (observedAt > block.timestamp + MAX_FUTURE_SKEW) {
            revert ObservationFromFuture(feed, signer, observedAt, block.timestamp + MAX_FUTURE_SKEW);
        }
        if (observedAt + context.maxAge < block.timestamp) {
            revert ObservationTooOld(feed, signer, observedAt, block.timestamp - context.maxAge);
        }
        if (observedAt <= context.lastObservedAt) {
            revert ObservationNotNewer(feed, signer, observedAt, context.lastObservedAt);
        }
    }

    /// @dev The EIP-712 digest of `o` and the address that signed it. Hashes in scratch memory
    /// instead of abi.encode: this runs once per signature and is most of the report's cost.
    function _recover(bytes32 domainSeparator, bytes32 feed, Observation calldata o, uint256 index)
        private
        view
        returns (address signer)
    {
        uint256 vs = uint256(o.vs);
        uint256 s = vs & _S_MASK;
        if (s > _HALF_ORDER) revert InvalidSignature(feed, index);
        bytes32 r = o.r;
        bytes32 typehash = OBSERVATION_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            // structHash = keccak256(abi.encode(typehash, feed, value, observedAt, inputsHash)):
            // value, observedAt and inputsHash are the first three words of the calldata struct.
            mstore(m, typehash)
            mstore(add(m, 0x20), feed)
            calldatacopy(add(m, 0x40), o, 0x60)
            let structHash := keccak256(m, 0xa0)
            // digest = keccak256("\x19\x01" || domainSeparator || structHash)
            mstore(m, hex"1901")
            mstore(add(m, 0x02), domainSeparator)
            mstore(add(m, 0x22), structHash)
            let digest := keccak256(m, 0x42)
            // ecrecover(digest, v, r, s); it returns no data when the signature does not recover.
            mstore(m, digest)
            mstore(add(m, 0x20), add(shr(255, vs), 27))
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        if (signer == address(0)) revert InvalidSignature(feed, index);
    }

    /// @dev Clears the recovery bit of an EIP-2098 `vs`, leaving s.
    uint256 private constant _S_MASK = type(uint256).max >> 1;

    function _indexOf(bytes32 feed, address[] memory signers, address signer) private pure returns (uint256 index) {
        bool found;
        assembly ("memory-safe") {
            let words := add(signers, 0x20)
            for { let i := 0 } lt(i, mload(signers)) { i := add(i, 1) } {
                if eq(mload(add(words, shl(5, i))), signer) {
                    index := i
                    found := 1
                    break
                }
            }
        }
        if (!found) revert UnknownSigner(feed, signer);
    }

    /// @dev The circuit breaker, for a report that not every signer signed.
    function _checkMove(bytes32 feed, Config memory config, uint256 lastValue, uint256 value, uint256 signed)
        private
        pure
    {
        uint256 move = value > lastValue ? value - lastValue : lastValue - value;
        // Compare move / lastValue > maxMoveBps / 10_000 without dividing (no rounding at all).
        if (move * _BPS > lastValue * config.params.maxMoveBps) {
            revert MoveTooLarge(feed, lastValue, value, config.params.maxMoveBps, signed, config.signerCount);
        }
    }

    // ================================================================ reads

    /// @inheritdoc IIndexOracle
    function latestRound(bytes32 feed) external view returns (Round memory) {
        uint64 latest = _states[feed].latestRoundId;
        if (latest == 0) revert NoData(feed);
        return _round(feed, latest);
    }

    /// @inheritdoc IIndexOracle
    function latestValue(bytes32 feed) external view returns (uint256 value, bool stale) {
        State memory state = _states[feed];
        if (state.latestRoundId == 0) revert NoData(feed);
        Config memory config = _configs[feed];
        Checkpoint memory latest = _rings[feed][state.latestRoundId % state.ringCapacity];
        value = latest.value;
        stale = config.paused || block.timestamp > uint256(latest.observedAt) + config.params.heartbeat;
    }

    /// @inheritdoc IIndexOracle
    function getRound(bytes32 feed, uint64 roundId) external view returns (Round memory) {
        State memory state = _states[feed];
        uint256 oldest = _oldestRoundId(state);
        if (roundId == 0 || roundId < oldest || roundId > state.latestRoundId) {
            revert RoundNotAvailable(feed, roundId, oldest, state.latestRoundId);
        }
        return _round(feed, roundId);
    }

    /// @inheritdoc IIndexOracle
    function isStale(bytes32 feed) external view returns (bool) {
        Config memory config = _configs[feed];
        State memory state = _states[feed];
        if (config.paused || state.latestRoundId == 0) return true;
        Checkpoint memory latest = _rings[feed][state.latestRoundId % state.ringCapacity];
        return block.timestamp > uint256(latest.observedAt) + config.params.heartbeat;
    }

    /// @inheritdoc IIndexOracle
    function twap(bytes32 feed, uint256 start, uint256 end) external view returns (uint256) {
        if (start >= end || end > block.timestamp) revert InvalidTwapWindow(start, end, block.timestamp);
        State memory state = _states[feed];
        if (state.latestRoundId == 0) revert NoData(feed);
        uint256 oldest = _oldestRoundId(state);
        Checkpoint memory first = _rings[feed][oldest % state.ringCapacity];
        if (start < first.updatedAt) revert TwapWindowNotCovered(feed, start, first.updatedAt);
        uint256 atEnd = _cumulativeAt(feed, state, oldest, end);
        uint256 atStart = _cumulativeAt(feed, state, oldest, start);
        return (atEnd - atStart) / (end - start);
    }

    /// @inheritdoc IIndexOracle
    function feedInfo(bytes32 feed) external view returns (FeedInfo memory info) {
        Config memory config = _configs[feed];
        if (config.signers == address(0)) revert UnknownFeed(feed);
        State memory state = _states[feed];
        info = FeedInfo({
            description: _descriptions[feed],
            signers: SignerSet.load(config.signers),
            f: config.f,
            paused: config.paused,
            params: config.params,
            ringCapacity: state.ringCapacity,
            ringPrefilled: state.ringPrefilled,
            latestRoundId: state.latestRoundId
        });
    }

    /// @inheritdoc IIndexOracle
    function observationDigest(bytes32 feed, uint256 value, uint256 observedAt, bytes32 inputsHash)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(OBSERVATION_TYPEHASH, feed, value, observedAt, inputsHash)));
    }

    function _round(bytes32 feed, uint64 roundId) private view returns (Round memory) {
        Checkpoint memory c = _rings[feed][roundId % _states[feed].ringCapacity];
        return Round({roundId: roundId, value: c.value, observedAt: c.observedAt, updatedAt: c.updatedAt});
    }

    function _oldestRoundId(State memory state) private pure returns (uint256) {
        return state.latestRoundId < state.ringCapacity ? 1 : state.latestRoundId - state.ringCapacity + 1;
    }

    /// @dev Cumulative value x seconds at `time`, from the last round stored at or before it,
    /// found by binary search over the held rounds [oldest, latest] (sorted by updatedAt).
    function _cumulativeAt(bytes32 feed, State memory state, uint256 oldest, uint256 time)
        private
        view
        returns (uint256)
    {
        mapping(uint256 => Checkpoint) storage ring = _rings[feed];
        uint256 low = oldest;
        uint256 high = state.latestRoundId;
        while (low < high) {
            uint256 mid = (low + high + 1) / 2;
            if (ring[mid % state.ringCapacity].updatedAt <= time) low = mid;
            else high = mid - 1;
        }
        Checkpoint memory c = ring[low % state.ringCapacity];
        return uint256(c.cumulative) + uint256(c.value) * (time - c.updatedAt);
    }

    // ================================================================ admin

    /// @inheritdoc IIndexOracle
    function addFeed(
        bytes32 feed,
        string calldata description,
        address[] calldata signers,
        uint8 f,
        FeedParams calldata params,
        uint16 ringCapacity
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feed == bytes32(0)) revert InvalidFeedId();
        if (_configs[feed].signers != address(0)) revert FeedAlreadyExists(feed);
        if (ringCapacity < 2) revert InvalidRingCapacity(ringCapacity, 2);
        _states[feed] = State({latestRoundId: 0, ringCapacity: ringCapacity, ringPrefilled: 0});
        _descriptions[feed] = description;
        emit FeedAdded(feed, description, ringCapacity);
        _setSigners(feed, signers, f);
        _setParams(feed, params);
    }

    /// @inheritdoc IIndexOracle
    function setSigners(bytes32 feed, address[] calldata signers, uint8 f) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireFeed(feed);
        _setSigners(feed, signers, f);
    }

    /// @inheritdoc IIndexOracle
    function setParams(bytes32 feed, FeedParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireFeed(feed);
        _setParams(feed, params);
    }

    /// @inheritdoc IIndexOracle
    function setDescription(bytes32 feed, string calldata description) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireFeed(feed);
        _descriptions[feed] = description;
        emit FeedDescriptionSet(feed, description);
    }

    /// @inheritdoc IIndexOracle
    function pause(bytes32 feed) external onlyRole(GUARDIAN_ROLE) {
        _requireFeed(feed);
        if (_configs[feed].paused) return; // already paused: nothing changes, no event
        _configs[feed].paused = true;
        emit FeedPaused(feed, msg.sender);
    }

    /// @inheritdoc IIndexOracle
    function unpause(bytes32 feed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireFeed(feed);
        if (!_configs[feed].paused) return; // not paused: nothing changes, no event
        _configs[feed].paused = false;
        emit FeedUnpaused(feed, msg.sender);
    }

    /// @inheritdoc IIndexOracle
    function prefillRing(bytes32 feed, uint16 count) external {
        _requireFeed(feed);
        State storage state = _states[feed];
        uint256 from = state.ringPrefilled;
        uint256 to = from + count < state.ringCapacity ? from + count : state.ringCapacity;
        mapping(uint256 => Checkpoint) storage ring = _rings[feed];
        for (uint256 slot = from; slot < to; ++slot) {
            // A slot still zero is never read before its round is written (rounds are found
            // by id), so a placeholder is safe; it only turns the first write into a cheaper
            // non-zero to non-zero one.
            if (ring[slot].updatedAt == 0) ring[slot].cumulative = 1;
        }
        state.ringPrefilled = uint16(to);
        emit RingPrefilled(feed, uint16(to), state.ringCapacity);
    }

    function _setSigners(bytes32 feed, address[] calldata signers, uint8 f) private {
        uint256 n = signers.length;
        if (n > MAX_SIGNERS) revert TooManySigners(n, MAX_SIGNERS);
        if (n < 2 * uint256(f) + 1) revert SignerSetTooSmall(n, f, 2 * uint256(f) + 1);
        for (uint256 i = 0; i < n; ++i) {
            if (signers[i] == address(0)) revert InvalidSignerAddress(signers[i]);
            for (uint256 j = 0; j < i; ++j) {
                if (signers[j] == signers[i]) revert InvalidSignerAddress(signers[i]);
            }
        }
        Config storage config = _configs[feed];
        config.signers = SignerSet.store(signers);
        config.signerCount = uint8(n);
        config.f = f;
        emit SignersSet(feed, signers, f);
    }

    function _setParams(bytes32 feed, FeedParams calldata params) private {
        if (params.heartbeat == 0) revert InvalidParam("heartbeat", params.heartbeat);
        if (params.maxObservationAge == 0) revert InvalidParam("maxObservationAge", params.maxObservationAge);
        if (params.maxMoveBps == 0) revert InvalidParam("maxMoveBps", params.maxMoveBps);
        _configs[feed].params = params;
        emit FeedParamsSet(feed, params);
    }

    function _requireFeed(bytes32 feed) private view {
        if (_configs[feed].signers == address(0)) revert UnknownFeed(feed);
    }
}
