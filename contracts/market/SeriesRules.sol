// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IFuturesMarket} from "../interfaces/IFuturesMarket.sol";

/// @title SeriesRules
/// @notice The listing rules of FuturesMarket: every parameter of a new series in range, or
/// `InvalidSeriesParam` naming the first that is not. Created by the market's constructor.
contract SeriesRules {
    uint256 private constant _BPS = 10_000;
    /// @dev Fees above 1% of notional are surely a listing mistake.
    uint256 private constant _MAX_FEE_BPS = 100;

    /// @notice Reverts with `IFuturesMarket.InvalidSeriesParam(name, value)` on a bad parameter.
    function validate(IFuturesMarket.SeriesParams calldata p) external view {
        // Timestamps are kept in 32 bits (until 2106) where a margin check reads them.
        if (p.expiry <= block.timestamp || p.expiry > type(uint32).max) {
            revert IFuturesMarket.InvalidSeriesParam("expiry", p.expiry);
        }
        if (p.lastTradingTime > p.expiry || p.lastTradingTime <= block.timestamp) {
            revert IFuturesMarket.InvalidSeriesParam("lastTradingTime", p.lastTradingTime);
        }
        if (p.settlementWindow == 0 || p.settlementWindow > p.expiry - block.timestamp) {
            revert IFuturesMarket.InvalidSeriesParam("settlementWindow", p.settlementWindow);
        }
        if (p.multiplier == 0) revert IFuturesMarket.InvalidSeriesParam("multiplier", p.multiplier);
        if (p.tickSize == 0) revert IFuturesMarket.InvalidSeriesParam("tickSize", p.tickSize);
        if (p.minSize == 0) revert IFuturesMarket.InvalidSeriesParam("minSize", p.minSize);
        if (p.maintenanceMarginBps == 0 || p.maintenanceMarginBps > p.initialMarginBps) {
            revert IFuturesMarket.InvalidSeriesParam("maintenanceMarginBps", p.maintenanceMarginBps);
        }
        if (p.initialMarginBps > _BPS) {
            revert IFuturesMarket.InvalidSeriesParam("initialMarginBps", p.initialMarginBps);
        }
        // A penalty above the maintenance margin would turn every liquidation into bad debt.
        if (p.liquidationPenaltyBps > p.maintenanceMarginBps) {
            revert IFuturesMarket.InvalidSeriesParam("liquidationPenaltyBps", p.liquidationPenaltyBps);
        }
        if (p.makerFeeBps > _MAX_FEE_BPS) revert IFuturesMarket.InvalidSeriesParam("makerFeeBps", p.makerFeeBps);
        if (p.takerFeeBps > _MAX_FEE_BPS) revert IFuturesMarket.InvalidSeriesParam("takerFeeBps", p.takerFeeBps);
        if (p.liquidatorShareBps > _BPS) {
            revert IFuturesMarket.InvalidSeriesParam("liquidatorShareBps", p.liquidatorShareBps);
        }
        if (p.maxBasisBps > _BPS) revert IFuturesMarket.InvalidSeriesParam("maxBasisBps", p.maxBasisBps);
        if (p.basisTau == 0) revert IFuturesMarket.InvalidSeriesParam("basisTau", p.basisTau);
        if (p.basisRefNotional == 0) revert IFuturesMarket.InvalidSeriesParam("basisRefNotional", p.basisRefNotional);
        if (p.openInterestCap == 0) revert IFuturesMarket.InvalidSeriesParam("openInterestCap", p.openInterestCap);
    }
}
