// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IIndexOracle
/// @notice Quorum-signed index oracle. Independent relayer operators each sign an EIP-712
/// `Observation` of a feed; anyone transmits a report holding at least `2f+1` of them; the
/// oracle stores their median as a new round and keeps cumulative value x time checkpoints
/// so that any time-weighted average over the retained history costs O(log n).
/// @dev Values are WAD (1e18) fixed point, USD per index unit, at most `MAX_VALUE`.
/// Timestamps are unix seconds and fit in 32 bits (until 2106). See docs/oracle.md.
interface IIndexOracle {
    // ---------------------------------------------------------------- types

    /// @notice One relayer's signed observation of one feed.
    /// @param value the index value, WAD, in (0, MAX_VALUE]
    /// @param observedAt when the relayer computed the value (unix seconds)
    /// @param inputsHash keccak256 of the canonical input snapshot the relayer publishes
    /// @param r the signature's r
    /// @param vs the signature's s with the recovery bit in its top bit (EIP-2098 compact form)
    /// @dev The signed EIP-712 struct is
    /// `Observation(bytes32 feed,uint256 value,uint256 observedAt,bytes32 inputsHash)`
    /// under the domain {name: "IndexOracle", version: "1", chainId, verifyingContract}.
    struct Observation {
        uint256 value;
        uint256 observedAt;
        bytes32 inputsHash;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice The observations of one feed inside a report.
    struct FeedReport {
        bytes32 feed;
        Observation[] observations;
    }

    /// @notice Parameters of a feed that the admin may change at any time.
    /// @param heartbeat a round whose observedAt is older than this many seconds is stale
    /// @param maxObservationAge an observation older than this many seconds is refused
    /// @param maxMoveBps a median moving more than this from the last value needs every signer
    /// @param minUpdateInterval seconds that must pass between two rounds of the feed
    struct FeedParams {
        uint24 heartbeat;
        uint16 maxObservationAge;
        uint16 maxMoveBps;
        uint16 minUpdateInterval;
    }

    /// @notice A stored round.
    /// @param observedAt the newest observedAt among the round's observations. Every observation
    /// of a later round must be newer, so a signed observation counts in at most one round.
    /// @param updatedAt the block timestamp at which the round was stored
    struct Round {
        uint64 roundId;
        uint80 value;
        uint32 observedAt;
        uint32 updatedAt;
    }

    /// @notice Everything the oracle knows about a feed's configuration and history.
    struct FeedInfo {
        string description;
        address[] signers;
        uint8 f;
        bool paused;
        FeedParams params;
        uint16 ringCapacity;
        uint16 ringPrefilled;
        uint64 latestRoundId;
    }

    // ---------------------------------------------------------------- events

    /// @notice A new round was stored. Each observation's signer, value and inputsHash are
    /// listed in the order they were submitted, so anyone can fetch the snapshot a relayer
    /// published under `inputsHashes[i]` and recompute `values[i]`.
    event RoundUpdated(
        bytes32 indexed feed,
        uint64 indexed roundId,
        uint256 value,
        uint256 observedAt,
        address[] signers,
        uint256[] values,
        bytes32[] inputsHashes
    );
    event FeedAdded(bytes32 indexed feed, string description, uint16 ringCapacity);
    event SignersSet(bytes32 indexed feed, address[] signers, uint8 f);
    event FeedParamsSet(bytes32 indexed feed, FeedParams params);
    event FeedDescriptionSet(bytes32 indexed feed, string description);
    event FeedPaused(bytes32 indexed feed, address indexed by);
    event FeedUnpaused(bytes32 indexed feed, address indexed by);
    event RingPrefilled(bytes32 indexed feed, uint16 prefilled, uint16 capacity);

    // ---------------------------------------------------------------- errors: reports

    error UnknownFeed(bytes32 feed);
    error FeedIsPaused(bytes32 feed);
    error EmptyReport();
    error TooFewObservations(bytes32 feed, uint256 count, uint256 required);
    error TooManyObservations(bytes32 feed, uint256 count, uint256 signerCount);
    /// @notice The signature at `index` does not recover (zero address or a malleable high s).
    error InvalidSignature(bytes32 feed, uint256 index);
    /// @notice The signature recovers to an address that is not a signer of the feed; a wrong
    /// value, time, hash, feed, chain or oracle address in the signed data shows up this way.
    error UnknownSigner(bytes32 feed, address signer);
    error DuplicateSigner(bytes32 feed, address signer);
    error ZeroValue(bytes32 feed, address signer);
    error ValueTooLarge(bytes32 feed, address signer, uint256 value, uint256 maxValue);
    error ObservationFromFuture(bytes32 feed, address signer, uint256 observedAt, uint256 latestAllowed);
    error ObservationTooOld(bytes32 feed, address signer, uint256 observedAt, uint256 oldestAllowed);
    error ObservationNotNewer(bytes32 feed, address signer, uint256 observedAt, uint256 lastObservedAt);
    error UpdateTooSoon(bytes32 feed, uint256 lastUpdatedAt, uint256 nextAllowedAt);
    /// @notice The circuit breaker: a move beyond maxMoveBps needs every registered signer.
    error MoveTooLarge(
        bytes32 feed, uint256 lastValue, uint256 newValue, uint256 maxMoveBps, uint256 signed, uint256 signerCount
    );

    // ---------------------------------------------------------------- errors: admin

    error FeedAlreadyExists(bytes32 feed);
    error InvalidFeedId();
    error TooManySigners(uint256 count, uint256 maxSigners);
    error SignerSetTooSmall(uint256 signerCount, uint8 f, uint256 minimum);
    error InvalidSignerAddress(address signer);
    error InvalidRingCapacity(uint256 capacity, uint256 minCapacity);
    error InvalidParam(string name, uint256 value);

    // ---------------------------------------------------------------- errors: reads

    error NoData(bytes32 feed);
    error RoundNotAvailable(bytes32 feed, uint256 roundId, uint256 oldestRoundId, uint256 latestRoundId);
    error InvalidTwapWindow(uint256 start, uint256 end, uint256 currentTime);
    error TwapWindowNotCovered(bytes32 feed, uint256 start, uint256 oldestCovered);

    // ---------------------------------------------------------------- reports

    /// @notice Stores one new round for each feed of `reports`, or reverts as a whole.
    /// @dev Per feed: `2f+1 <= observations <= signerCount`, each signed by a distinct signer
    /// of the feed, value in (0, MAX_VALUE], observedAt in
    /// [now - maxObservationAge, now + MAX_FUTURE_SKEW] and after the last round's observedAt,
    /// at least minUpdateInterval after the last round, and a median within maxMoveBps of the
    /// last value unless every signer signed. Anyone may call it: the signatures are the
    /// authority, not the sender.
    function submit(FeedReport[] calldata reports) external;

    // ---------------------------------------------------------------- reads

    /// @notice The most recent round of `feed`; reverts with NoData before the first.
    function latestRound(bytes32 feed) external view returns (Round memory);

    /// @notice The latest value of `feed` and whether it is stale (as `isStale`), in one call;
    /// reverts with NoData before the first round.
    function latestValue(bytes32 feed) external view returns (uint256 value, bool stale);

    /// @notice Round `roundId` of `feed`, while it is still held in the feed's ring buffer.
    function getRound(bytes32 feed, uint64 roundId) external view returns (Round memory);

    /// @notice True when the feed has no round, is paused, or its latest round was observed
    /// more than `heartbeat` seconds ago.
    function isStale(bytes32 feed) external view returns (bool);

    /// @notice Time-weighted average value over [start, end), rounded down, each round's value
    /// weighted by how long it was the latest (by block time); the latest value extends to
    /// `end`. Needs `start < end <= block.timestamp` and a round stored at or before `start`
    /// that is still held.
    function twap(bytes32 feed, uint256 start, uint256 end) external view returns (uint256);

    /// @notice The feed's configuration and round counters.
    function feedInfo(bytes32 feed) external view returns (FeedInfo memory);

    /// @notice The EIP-712 digest a relayer signs for an observation.
    function observationDigest(bytes32 feed, uint256 value, uint256 observedAt, bytes32 inputsHash)
        external
        view
        returns (bytes32);

    // ---------------------------------------------------------------- admin

    /// @notice Adds a feed (admin). `ringCapacity` is fixed for the feed's life: it bounds the
    /// rounds kept for `getRound` and `twap`.
    function addFeed(
        bytes32 feed,
        string calldata description,
        address[] calldata signers,
        uint8 f,
        FeedParams calldata params,
        uint16 ringCapacity
    ) external;

    /// @notice Replaces the signer set and fault tolerance of a feed (admin).
    function setSigners(bytes32 feed, address[] calldata signers, uint8 f) external;

    /// @notice Replaces the guard parameters of a feed (admin).
    function setParams(bytes32 feed, FeedParams calldata params) external;

    /// @notice Replaces the description of a feed (admin).
    function setDescription(bytes32 feed, string calldata description) external;

    /// @notice Stops new rounds of a feed (guardian). Reads keep working; isStale turns true.
    /// Pausing a paused feed changes nothing and emits nothing.
    function pause(bytes32 feed) external;

    /// @notice Lets a paused feed take rounds again (admin). On a running feed: no change, no event.
    function unpause(bytes32 feed) external;

    /// @notice Writes a placeholder into up to `count` not yet used ring slots so that later
    /// rounds overwrite warm, non-zero slots (about 17,000 gas less each). Anyone may pay.
    function prefillRing(bytes32 feed, uint16 count) external;
}
