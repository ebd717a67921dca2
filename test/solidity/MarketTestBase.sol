// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IFuturesMarket} from "../../contracts/interfaces/IFuturesMarket.sol";
import {IIndexOracle} from "../../contracts/interfaces/IIndexOracle.sol";
import {FuturesMarket} from "../../contracts/market/FuturesMarket.sol";
import {MockUSD} from "../../contracts/mocks/MockUSD.sol";
import {IndexOracle} from "../../contracts/oracle/IndexOracle.sol";
import {MarginVault} from "../../contracts/vault/MarginVault.sol";
import {ObservationSigning, Test} from "./Vm.sol";

/// @dev The cheatcode the market tests read their FM_INVARIANT_STATS switch with, served at the
/// address of test/solidity/Vm.sol's `vm`.
interface VmEnv {
    function envOr(string calldata name, bool defaultValue) external view returns (bool);
}

/// @title MarketHandlerBase
/// @notice What the FuturesMarket invariant handlers share: the contracts they drive, the clock
/// every action restores (`advancing`), the oracle report they sign and submit, signed orders,
/// the choice of a trader pair, the margin-refusal check, the common ghost and coverage counters
/// and small helpers. Abstract: each test file defines (and targets) its own handler.
abstract contract MarketHandlerBase is Test {
    uint256 internal constant USD = 1e6;
    uint256 internal constant BPS = 10_000;
    uint256 public constant N_TRADERS = 5;
    uint256 public constant MIN_INTERVAL = 60;
    uint256 public constant MAX_MOVE_BPS = 500;
    uint256 internal constant NONE = type(uint256).max;
    /// @notice Receives withdrawals; never an account.
    address public constant SINK = address(0x5111C);

    FuturesMarket public immutable market;
    MarginVault public immutable vault;
    IndexOracle public immutable oracle;
    MockUSD public immutable usd;
    bytes32 public immutable feed;

    /// @dev The relayers' keys, the accounts' keys and their addresses (the first N_TRADERS
    /// accounts trade).
    uint256[] internal relayerKeys;
    uint256[] internal accountKeys;
    address[] internal accountList;

    /// @notice The index value of the last report, and the block time it was stored at.
    uint256 public index;
    uint256 public lastReportAt;
    /// @dev The latest block time any action set, restored at the start of each action.
    uint256 internal clock;

    // ------------------------------------------------------------ ghost state (shared)

    uint256 public ghostDeposits;
    uint256 public ghostWithdrawals;
    /// @notice A withdrawal paid although the vault should have refused it.
    uint256 public withdrawalViolations;
    /// @notice A read after an action that disagrees with the handler's model.
    uint256 public unexpectedOutcomes;
    /// @notice The revert data (or predicted refusal) of the last unexpected outcome.
    bytes public lastUnexpected;

    // ------------------------------------------------------------ coverage counters (shared)

    /// @notice Handler actions called in this run (also salts the handler's randomness).
    uint256 public calls;
    uint256 public indexMoves;
    uint256 public timeJumps;
    uint256 public depositsOk;
    uint256 public withdrawalsOk;
    uint256 public withdrawalsRefused;
    /// @notice Refusals by error selector.
    mapping(bytes4 selector => uint256) public refusals;

    /// @dev One side of a trade as read just before it: its kind and its margin.
    struct Side {
        address account;
        bool reducing;
        int256 equity;
        uint256 maintenance;
    }

    modifier advancing() {
        ++calls;
        if (block.timestamp < clock) vm.warp(clock);
        _;
        clock = block.timestamp;
    }

    constructor(
        FuturesMarket market_,
        MarginVault vault_,
        IndexOracle oracle_,
        MockUSD usd_,
        bytes32 feed_,
        uint256[] memory relayerKeys_,
        uint256[] memory accountKeys_
    ) {
        market = market_;
        vault = vault_;
        oracle = oracle_;
        usd = usd_;
        feed = feed_;
        relayerKeys = relayerKeys_;
        accountKeys = accountKeys_;
        for (uint256 i = 0; i < accountKeys_.length; ++i) {
            accountList.push(vm.addr(accountKeys_[i]));
        }
        clock = block.timestamp;
    }

    // ------------------------------------------------------------ cash

    /// @dev Mints `amount` to `account`, which approves the vault for `allowance` and deposits.
    function _mintAndDeposit(address account, uint256 amount, uint256 allowance) internal {
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(vault), allowance);
        vault.deposit(amount);
        vm.stopPrank();
        ghostDeposits += amount;
    }

    // ------------------------------------------------------------ orders

    /// @dev `o` signed over market.orderHash by `key`, packed (r, s, v).
    function _signOrder(uint256 key, IFuturesMarket.Order memory o) internal view returns (bytes memory) {
        return _signHash(key, market.orderHash(o));
    }

    function _signHash(uint256 key, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    // ------------------------------------------------------------ oracle

    /// @dev Relayer `i` (signing with `key`) observes `value` now.
    function _observe(uint256 i, uint256 key, uint256 value) internal view returns (IIndexOracle.Observation memory) {
        return ObservationSigning.signObservation(
            oracle, feed, key, value, block.timestamp, keccak256(abi.encode(i, block.timestamp))
        );
    }

    /// @dev Submits the observations of `value`. Not try/catch: a valid report that reverts is a
    /// bug (and fails the run). The stored round must be `value`.
    function _submit(IIndexOracle.Observation[] memory observations, uint256 value) internal {
        oracle.submit(ObservationSigning.report(feed, observations));
        if (oracle.latestRound(feed).value != value) ++unexpectedOutcomes;
        index = value;
        lastReportAt = block.timestamp;
    }

    // ------------------------------------------------------------ helpers

    /// @dev Two distinct traders (maker, taker): half the time any two, else the two with the
    /// most free collateral in random order, so that withdrawals and losses that leave some
    /// traders without margin do not stop the trading.
    function _pair(uint256 seed) internal view returns (uint256 a, uint256 b) {
        uint256 r = _rand(seed, "pair");
        if (r % 2 == 0) {
            a = (r >> 1) % N_TRADERS;
            b = (a + 1 + (r >> 8) % (N_TRADERS - 1)) % N_TRADERS;
            return (a, b);
        }
        uint256 bestFree;
        uint256 secondFree;
        (a, b) = (NONE, NONE);
        for (uint256 i = 0; i < N_TRADERS; ++i) {
            uint256 free = vault.accountMargin(accountList[i]).freeCollateral;
            if (a == NONE || free > bestFree) {
                (b, secondFree) = (a, bestFree);
                (a, bestFree) = (i, free);
            } else if (b == NONE || free > secondFree) {
                (b, secondFree) = (i, free);
            }
        }
        if ((r >> 1) % 2 == 0) (a, b) = (b, a);
    }

    /// @dev Whether an InsufficientMargin or MarginRatioWorse refusal (`selector`) is justified:
    /// InsufficientMargin must name a risk-increasing side whose equity is below the required
    /// margin; MarginRatioWorse a reducing side whose equity / maintenance before are the ones
    /// read and whose ratio really got worse.
    function _marginRefusalJustified(bytes4 selector, bytes memory reason, Side memory x, Side memory y)
        internal
        pure
        returns (bool)
    {
        if (selector == IFuturesMarket.InsufficientMargin.selector) {
            (address account, uint256 required, int256 equity) = abi.decode(_args(reason), (address, uint256, int256));
            bool increasing = (account == x.account && !x.reducing) || (account == y.account && !y.reducing);
            return increasing && equity < int256(required);
        }
        (address who, int256 equityBefore, uint256 mmBefore, int256 equityAfter, uint256 mmAfter) =
            abi.decode(_args(reason), (address, int256, uint256, int256, uint256));
        bool reducing = (who == x.account && x.reducing && equityBefore == x.equity && mmBefore == x.maintenance)
            || (who == y.account && y.reducing && equityBefore == y.equity && mmBefore == y.maintenance);
        return reducing && equityAfter * int256(mmBefore) < equityBefore * int256(mmAfter);
    }

    /// @dev Same definition as the market: an existing position shrinks without flipping.
    function _reducing(int256 before, int256 delta) internal pure returns (bool) {
        int256 afterTrade = before + delta;
        return before != 0 && (before > 0) != (delta > 0) && _abs(afterTrade) < _abs(before)
            && (afterTrade == 0 || (afterTrade > 0) == (before > 0));
    }

    /// @dev The ABI-encoded arguments of a custom error (its data without the selector).
    function _args(bytes memory reason) internal pure returns (bytes memory out) {
        out = new bytes(reason.length - 4);
        for (uint256 i = 0; i < out.length; ++i) {
            out[i] = reason[i + 4];
        }
    }

    /// @dev Mixes in the call counter: the fuzzer often repeats a value within a run, which
    /// would otherwise repeat the same trader pair, flags and expiry.
    function _rand(uint256 seed, string memory tag) internal view returns (uint256) {
        return uint256(keccak256(abi.encode(seed, calls, tag)));
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
}

/// @title MarketTestBase
/// @notice What the FuturesMarket invariant tests share: the deployment of MockUSD, an
/// IndexOracle with one feed, MarginVault and FuturesMarket at T0, the deterministic keys, the
/// series parameters, the labels and the stats line helpers.
abstract contract MarketTestBase is Test {
    uint256 internal constant T0 = 1_700_000_000;
    uint256 internal constant USD = 1e6;
    uint256 internal constant WAD = 1e18;

    MockUSD internal usd;
    IndexOracle internal oracle;
    MarginVault internal vault;
    FuturesMarket internal market;

    /// @dev At T0: deploys MockUSD and the oracle, adds `feed` signed by `relayers` relayers
    /// (keys from `relayerTag`, f = 1, heartbeat 1 h, observations valid 10 min, 5% breaker,
    /// 60 s between rounds, a ring of `ringCapacity`), then the vault and the market (registered).
    function _deployMarket(
        bytes32 feed,
        string memory description,
        string memory relayerTag,
        uint256 relayers,
        uint16 ringCapacity
    ) internal returns (uint256[] memory relayerKeys) {
        vm.warp(T0);
        usd = new MockUSD();
        oracle = new IndexOracle(address(this), address(this));
        relayerKeys = _keys(relayerTag, relayers);
        address[] memory signers = new address[](relayers);
        for (uint256 i = 0; i < relayers; ++i) {
            signers[i] = vm.addr(relayerKeys[i]);
        }
        oracle.addFeed(
            feed,
            description,
            signers,
            1,
            IIndexOracle.FeedParams({heartbeat: 3600, maxObservationAge: 600, maxMoveBps: 500, minUpdateInterval: 60}),
            ringCapacity
        );
        vault = new MarginVault(usd, address(this));
        market = new FuturesMarket(vault, oracle, address(this));
        vault.registerMarket(market);
    }

    /// @dev `n` private keys: keccak256(abi.encode(tag, i)).
    function _keys(string memory tag, uint256 n) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = uint256(keccak256(abi.encode(tag, i)));
        }
    }

    /// @dev An H100-like series of `feed` expiring at `expiry` (trading ends an hour before).
    function _seriesParams(bytes32 feed, uint64 expiry) internal pure returns (IFuturesMarket.SeriesParams memory) {
        return IFuturesMarket.SeriesParams({
            feed: feed,
            expiry: expiry,
            lastTradingTime: expiry - 1 hours,
            settlementWindow: 3600,
            multiplier: 100,
            tickSize: 1e15,
            minSize: 1,
            initialMarginBps: 2000,
            maintenanceMarginBps: 1200,
            liquidationPenaltyBps: 500,
            liquidatorShareBps: 5000,
            makerFeeBps: 2,
            takerFeeBps: 5,
            maxBasisBps: 2000,
            basisTau: 3600,
            basisRefNotional: uint128(100_000 * WAD),
            openInterestCap: 1_000_000_000
        });
    }

    function _labelAll(address handler, string memory handlerName) internal {
        vm.label(address(oracle), "IndexOracle");
        vm.label(address(vault), "MarginVault");
        vm.label(address(market), "FuturesMarket");
        vm.label(address(usd), "MockUSD");
        vm.label(handler, handlerName);
    }

    /// @dev Whether FM_INVARIANT_STATS=true asks for the counters.
    function _statsRequested() internal view returns (bool) {
        return VmEnv(address(vm)).envOr("FM_INVARIANT_STATS", false);
    }

    function _kv(string memory acc, string memory key, uint256 value) internal pure returns (string memory) {
        return string.concat(acc, " ", key, "=", _str(value));
    }

    function _hex(bytes memory data) internal pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory out = new bytes(2 + 2 * data.length);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < data.length; ++i) {
            out[2 + 2 * i] = digits[uint8(data[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(data[i]) & 0x0f];
        }
        return string(out);
    }
}
