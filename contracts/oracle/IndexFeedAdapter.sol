// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";
import {IIndexOracle} from "../interfaces/IIndexOracle.sol";

/// @title IndexFeedAdapter
/// @notice One IndexOracle feed behind Chainlink's AggregatorV3Interface, with 8 decimals, so
/// any contract that reads a Chainlink price feed can read a compute index.
/// @dev answer = value / 1e10, rounded down (the oracle keeps 18 decimals). startedAt is the
/// round's observedAt, updatedAt the block time it was stored, answeredInRound its round id.
/// Rounds no longer held in the oracle's ring buffer revert with RoundNotAvailable, as
/// Chainlink aggregators revert for rounds they do not have.
contract IndexFeedAdapter is IAggregatorV3 {
    uint8 private constant _DECIMALS = 8;
    uint256 private constant _VERSION = 1;
    uint256 private constant _SCALE = 1e10; // 18 oracle decimals -> 8 adapter decimals

    IIndexOracle public immutable oracle;
    bytes32 public immutable feed;

    constructor(IIndexOracle oracle_, bytes32 feed_) {
        oracle = oracle_;
        feed = feed_;
    }

    /// @inheritdoc IAggregatorV3
    function decimals() external pure returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc IAggregatorV3
    function version() external pure returns (uint256) {
        return _VERSION;
    }

    /// @inheritdoc IAggregatorV3
    function description() external view returns (string memory) {
        return oracle.feedInfo(feed).description;
    }

    /// @inheritdoc IAggregatorV3
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80, int256, uint256, uint256, uint80)
    {
        // Round ids above 2^64 cannot exist: report them as not available, with the range that
        // is, rather than fail on the cast.
        if (roundId > type(uint64).max) {
            IIndexOracle.FeedInfo memory info = oracle.feedInfo(feed);
            uint256 latest = info.latestRoundId;
            uint256 oldest = latest < info.ringCapacity ? 1 : latest - info.ringCapacity + 1;
            revert IIndexOracle.RoundNotAvailable(feed, roundId, oldest, latest);
        }
        return _toChainlink(oracle.getRound(feed, uint64(roundId)));
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return _toChainlink(oracle.latestRound(feed));
    }

    function _toChainlink(IIndexOracle.Round memory round)
        private
        pure
        returns (uint80, int256, uint256, uint256, uint80)
    {
        // value < 2^80, so the scaled answer fits int256.
        return (round.roundId, int256(uint256(round.value) / _SCALE), round.observedAt, round.updatedAt, round.roundId);
    }
}
