// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title AggregatorV3Consumer
/// @notice TEST-ONLY CONTRACT. NOT PART OF THE PROTOCOL AND NEVER TO BE DEPLOYED.
/// It reads a price feed exclusively through Chainlink's official `AggregatorV3Interface`
/// (from the Chainlink contracts npm package, a devDependency) the way a typical Chainlink
/// consumer does, so the tests prove that IndexFeedAdapter is a drop-in Chainlink feed: the
/// adapter's own interface (contracts/interfaces/IAggregatorV3.sol) and the official one match.
contract AggregatorV3Consumer {
    /// @notice The feed read through the official Chainlink interface.
    AggregatorV3Interface public immutable priceFeed;
    /// @notice How old (seconds since the round's updatedAt) an answer may be.
    uint256 public immutable maxAnswerAge;

    error NonPositiveAnswer(uint80 roundId, int256 answer);
    error IncompleteRound(uint80 roundId, uint80 answeredInRound);
    error StaleAnswer(uint80 roundId, uint256 updatedAt, uint256 maxAnswerAge, uint256 currentTime);

    constructor(AggregatorV3Interface priceFeed_, uint256 maxAnswerAge_) {
        priceFeed = priceFeed_;
        maxAnswerAge = maxAnswerAge_;
    }

    /// @notice The latest answer, checked like a careful Chainlink consumer checks it: positive,
    /// from a complete round, and updated at most `maxAnswerAge` seconds ago.
    function latestAnswer() external view returns (int256 answer, uint8 decimals) {
        (uint80 roundId, int256 value,, uint256 updatedAt, uint80 answeredInRound) = priceFeed.latestRoundData();
        if (value <= 0) revert NonPositiveAnswer(roundId, value);
        if (answeredInRound < roundId) revert IncompleteRound(roundId, answeredInRound);
        if (updatedAt == 0 || block.timestamp - updatedAt > maxAnswerAge) {
            revert StaleAnswer(roundId, updatedAt, maxAnswerAge, block.timestamp);
        }
        return (value, priceFeed.decimals());
    }

    /// @notice `latestRoundData` as the official interface returns it, unchecked.
    function latestRound()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return priceFeed.latestRoundData();
    }

    /// @notice `getRoundData(roundId)` as the official interface returns it, unchecked.
    function roundAt(uint80 roundId_)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return priceFeed.getRoundData(roundId_);
    }

    /// @notice The feed's metadata as the official interface returns it.
    function metadata() external view returns (uint8 decimals, string memory description, uint256 version) {
        return (priceFeed.decimals(), priceFeed.description(), priceFeed.version());
    }
}
