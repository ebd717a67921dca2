/**
 * MarginVault: deposits (plain, for another account, with an ERC-2612 permit), margin-checked
 * withdrawals across markets, the market-only cash moves, the insurance fund, the fee account and
 * market registration.
 *
 * Markets are test-only MockMarginSource stand-ins: the test sets the margin each reports for an
 * account and makes them call the vault. Expected free collateral is computed here from the
 * values the test set and the cash it put in (`expectedMargin`), never read back from the vault.
 * After every test, each vault the test loaded must hold exactly what it owes:
 * token.balanceOf(vault) == totalCash + insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  MaxUint256,
  Signature,
  TypedDataEncoder,
  Wallet,
  ZeroAddress,
  keccak256,
  toUtf8Bytes,
  type TypedDataDomain,
} from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  FeeOnTransferToken,
  MarginVault,
  MockMarginSource,
  MockUSD,
} from "../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/** One token unit: 6 decimals like USDC. */
const USD = 10n ** 6n;
const MINTED = 1_000_000n * USD;
const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);
const FEE_MANAGER_ROLE = keccak256(toUtf8Bytes("FEE_MANAGER_ROLE"));
const MAX_MARKETS = 4n;
const TOKEN_NAME = "Mock USD (test only)";

// ------------------------------------------------------------------------------- reference model

/** What a market reports for one account (the shape of IMarginSource.Margin). */
interface Margin {
  openPositions: bigint;
  markValue: bigint;
  withdrawalValue: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  indexStale: boolean;
}

const NO_POSITION: Margin = {
  openPositions: 0n,
  markValue: 0n,
  withdrawalValue: 0n,
  initialMargin: 0n,
  maintenanceMargin: 0n,
  indexStale: false,
};

/**
 * The account margin as IMarginVault documents it: sums over the markets where the account has
 * open positions; free collateral = max(0, cash + withdrawal values - initial margin), or the
 * whole positive cash with no position, and zero with positions and a stale index.
 */
function expectedMargin(cash: bigint, reports: Margin[]) {
  const open = reports.filter((m) => m.openPositions !== 0n);
  const sum = (f: (m: Margin) => bigint) => open.reduce((acc, m) => acc + f(m), 0n);
  const openPositions = sum((m) => m.openPositions);
  const initialMargin = sum((m) => m.initialMargin);
  const indexStale = open.some((m) => m.indexStale);
  let free = cash + sum((m) => m.withdrawalValue) - initialMargin;
  if (openPositions === 0n) free = cash;
  if (indexStale) free = 0n;
  return {
    cash,
    equity: cash + sum((m) => m.markValue),
    initialMargin,
    maintenanceMargin: sum((m) => m.maintenanceMargin),
    openPositions,
    freeCollateral: free > 0n ? free : 0n,
    indexStale,
  };
}

async function setMargin(market: MockMarginSource, account: string, m: Margin) {
  await (
    await market.setMargin(
      account,
      m.openPositions,
      m.markValue,
      m.withdrawalValue,
      m.initialMargin,
      m.maintenanceMargin,
      m.indexStale,
    )
  ).wait();
}

// ------------------------------------------------------------------------------- fixtures

/**
 * MockUSD, a MarginVault administered by `admin` (who also holds FEE_MANAGER_ROLE) and two
 * registered mock markets. alice, bob and carol each hold MINTED tokens and approved the vault;
 * `permitOwner` is a plain key with MINTED tokens and no allowance, for permit deposits.
 */
async function vaultFixture({ ethers, networkHelpers }: NetworkConnection) {
  const [admin, alice, bob, carol, outsider, recipient, feeManager] = await ethers.getSigners();
  const usd: MockUSD = await ethers.deployContract("MockUSD");
  const vault: MarginVault = await ethers.deployContract("MarginVault", [await usd.getAddress(), admin.address]);
  const vaultAddress = await vault.getAddress();
  const marketA: MockMarginSource = await ethers.deployContract("MockMarginSource", [vaultAddress]);
  const marketB: MockMarginSource = await ethers.deployContract("MockMarginSource", [vaultAddress]);
  await (await vault.registerMarket(marketA)).wait();
  await (await vault.registerMarket(marketB)).wait();
  for (const user of [alice, bob, carol]) {
    await (await usd.mint(user.address, MINTED)).wait();
    await (await usd.connect(user).approve(vaultAddress, MaxUint256)).wait();
  }
  const permitOwner = new Wallet(keccak256(toUtf8Bytes("margin-vault permit owner")), ethers.provider);
  await networkHelpers.setBalance(permitOwner.address, 10n ** 18n);
  await (await usd.mint(permitOwner.address, MINTED)).wait();
  const { chainId } = await ethers.provider.getNetwork();
  return {
    usd,
    token: usd as MockUSD | FeeOnTransferToken,
    vault,
    vaultAddress,
    marketA,
    marketB,
    admin,
    alice,
    bob,
    carol,
    outsider,
    recipient,
    feeManager,
    permitOwner,
    chainId,
  };
}

/** A MarginVault over a token that burns 1% of every transfer; alice holds and approved it. */
async function feeOnTransferFixture({ ethers }: NetworkConnection) {
  const [admin, alice] = await ethers.getSigners();
  const fot: FeeOnTransferToken = await ethers.deployContract("FeeOnTransferToken");
  const vault: MarginVault = await ethers.deployContract("MarginVault", [await fot.getAddress(), admin.address]);
  await (await fot.mint(alice.address, MINTED)).wait();
  await (await fot.connect(alice).approve(await vault.getAddress(), MaxUint256)).wait();
  return { token: fot as MockUSD | FeeOnTransferToken, vault, alice };
}

type Fx = Awaited<ReturnType<typeof vaultFixture>>;
type Backed = { token: MockUSD | FeeOnTransferToken; vault: MarginVault };

/** Every vault loaded by the running test: checked by the afterEach hook of the suite. */
let loaded: Backed[] = [];

async function load(): Promise<Fx> {
  const fx = await loadFixture(vaultFixture);
  loaded.push(fx);
  return fx;
}

async function loadFeeOnTransfer() {
  const fx = await loadFixture(feeOnTransferFixture);
  loaded.push(fx);
  return fx;
}

/** The vault holds exactly what it owes (MockUSD has no transfer fee, so not one unit more). */
async function expectBacked({ token, vault }: Backed) {
  const held = await token.balanceOf(await vault.getAddress());
  const owed = (await vault.totalCash()) + (await vault.insuranceFund()) + (await vault.feeBalance());
  expect(held, "vault balance == totalCash + insuranceFund + feeBalance").to.equal(owed);
}

// ------------------------------------------------------------------------------- permits

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** MockUSD's EIP-712 domain as ERC20Permit builds it: the token name, version "1". */
function permitDomain(fx: Fx, token: string): TypedDataDomain {
  return { name: TOKEN_NAME, version: "1", chainId: fx.chainId, verifyingContract: token };
}

/** An ERC-2612 permit for the vault, signed by `signer` on behalf of `owner`. */
async function signPermit(fx: Fx, signer: Wallet, owner: string, value: bigint, deadline: bigint) {
  const token = await fx.usd.getAddress();
  const nonce = await fx.usd.nonces(owner);
  const raw = await signer.signTypedData(permitDomain(fx, token), PERMIT_TYPES, {
    owner,
    spender: fx.vaultAddress,
    value,
    nonce,
    deadline,
  });
  const sig = Signature.from(raw);
  return { v: sig.v, r: sig.r, s: sig.s };
}

async function inOneHour() {
  return BigInt(await networkHelpers.time.latest()) + 3600n;
}

// ------------------------------------------------------------------------------- tests

describe("MarginVault", function () {
  afterEach("every vault the test loaded holds exactly what it owes", async function () {
    const vaults = loaded;
    loaded = [];
    for (const v of vaults) await expectBacked(v);
  });

  describe("deployment", function () {
    it("ZeroAddress: the zero token", async function () {
      const { vault, admin } = await load();
      await expect(ethers.deployContract("MarginVault", [ZeroAddress, admin.address]))
        .to.be.revertedWithCustomError(vault, "ZeroAddress")
        .withArgs();
    });

    it("ZeroAddress: the zero admin", async function () {
      const { vault, usd } = await load();
      await expect(ethers.deployContract("MarginVault", [await usd.getAddress(), ZeroAddress]))
        .to.be.revertedWithCustomError(vault, "ZeroAddress")
        .withArgs();
    });

    it("fixes the token and gives the admin both roles", async function () {
      const { vault, usd, admin } = await load();
      expect(await vault.token()).to.equal(await usd.getAddress());
      expect(await vault.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await vault.hasRole(FEE_MANAGER_ROLE, admin.address)).to.equal(true);
      expect(await vault.FEE_MANAGER_ROLE()).to.equal(FEE_MANAGER_ROLE);
      expect(await vault.MAX_MARKETS()).to.equal(MAX_MARKETS);
    });
  });

  describe("deposit", function () {
    it("moves the tokens from the sender into the vault", async function () {
      const { vault, usd, alice } = await load();
      await expect(vault.connect(alice).deposit(250n * USD)).to.changeTokenBalances(
        ethers,
        usd,
        [alice, vault],
        [-250n * USD, 250n * USD],
      );
    });

    it("credits the sender's cash and the total", async function () {
      const { vault, alice } = await load();
      await (await vault.connect(alice).deposit(250n * USD)).wait();
      await (await vault.connect(alice).deposit(50n * USD)).wait();
      expect(await vault.cashOf(alice.address)).to.equal(300n * USD);
      expect(await vault.totalCash()).to.equal(300n * USD);
    });

    it("emits Deposited(payer, account, amount)", async function () {
      const { vault, alice } = await load();
      await expect(vault.connect(alice).deposit(7n * USD))
        .to.emit(vault, "Deposited")
        .withArgs(alice.address, alice.address, 7n * USD);
    });

    it("ZeroAmount: depositing nothing", async function () {
      const { vault, alice } = await load();
      await expect(vault.connect(alice).deposit(0n)).to.be.revertedWithCustomError(vault, "ZeroAmount").withArgs();
    });

    it("fails with the token's ERC20InsufficientAllowance without an allowance", async function () {
      const { vault, usd, vaultAddress, outsider } = await load();
      await (await usd.mint(outsider.address, 10n * USD)).wait();
      await expect(vault.connect(outsider).deposit(10n * USD))
        .to.be.revertedWithCustomError(usd, "ERC20InsufficientAllowance")
        .withArgs(vaultAddress, 0n, 10n * USD);
    });

    it("TransferShortfall(expected, received): a fee-on-transfer token", async function () {
      const { vault, alice } = await loadFeeOnTransfer();
      const amount = 1_000n * USD;
      await expect(vault.connect(alice).deposit(amount))
        .to.be.revertedWithCustomError(vault, "TransferShortfall")
        .withArgs(amount, amount - amount / 100n);
    });
  });

  describe("depositFor", function () {
    it("takes the tokens from the payer and credits the account", async function () {
      const { vault, usd, alice, bob } = await load();
      await expect(vault.connect(alice).depositFor(bob.address, 40n * USD)).to.changeTokenBalances(
        ethers,
        usd,
        [alice, bob, vault],
        [-40n * USD, 0n, 40n * USD],
      );
      expect(await vault.cashOf(bob.address)).to.equal(40n * USD);
      expect(await vault.cashOf(alice.address)).to.equal(0n);
    });

    it("emits Deposited(payer, account, amount)", async function () {
      const { vault, alice, bob } = await load();
      await expect(vault.connect(alice).depositFor(bob.address, 40n * USD))
        .to.emit(vault, "Deposited")
        .withArgs(alice.address, bob.address, 40n * USD);
    });

    it("ZeroAddress: the zero account", async function () {
      const { vault, alice } = await load();
      await expect(vault.connect(alice).depositFor(ZeroAddress, 1n))
        .to.be.revertedWithCustomError(vault, "ZeroAddress")
        .withArgs();
    });

    it("ZeroAmount: depositing nothing", async function () {
      const { vault, alice, bob } = await load();
      await expect(vault.connect(alice).depositFor(bob.address, 0n))
        .to.be.revertedWithCustomError(vault, "ZeroAmount")
        .withArgs();
    });

    it("TransferShortfall(expected, received): a fee-on-transfer token", async function () {
      const { vault, alice } = await loadFeeOnTransfer();
      const amount = 333n * USD + 7n;
      await expect(vault.connect(alice).depositFor(alice.address, amount))
        .to.be.revertedWithCustomError(vault, "TransferShortfall")
        .withArgs(amount, amount - amount / 100n);
    });
  });

  describe("depositWithPermit", function () {
    it("the domain signed against is MockUSD's DOMAIN_SEPARATOR", async function () {
      const fx = await load();
      const token = await fx.usd.getAddress();
      expect(await fx.usd.DOMAIN_SEPARATOR()).to.equal(TypedDataEncoder.hashDomain(permitDomain(fx, token)));
    });

    it("deposits with a permit signed by the sender and no prior allowance", async function () {
      const fx = await load();
      const { vault, usd, permitOwner } = fx;
      const amount = 125n * USD;
      const deadline = await inOneHour();
      const { v, r, s } = await signPermit(fx, permitOwner, permitOwner.address, amount, deadline);
      await expect(vault.connect(permitOwner).depositWithPermit(amount, deadline, v, r, s)).to.changeTokenBalances(
        ethers,
        usd,
        [permitOwner.address, vault],
        [-amount, amount],
      );
      expect(await vault.cashOf(permitOwner.address)).to.equal(amount);
      expect(await usd.nonces(permitOwner.address)).to.equal(1n);
      expect(await usd.allowance(permitOwner.address, fx.vaultAddress)).to.equal(0n);
    });

    it("emits Deposited(owner, owner, amount)", async function () {
      const fx = await load();
      const amount = 9n * USD;
      const deadline = await inOneHour();
      const { v, r, s } = await signPermit(fx, fx.permitOwner, fx.permitOwner.address, amount, deadline);
      await expect(fx.vault.connect(fx.permitOwner).depositWithPermit(amount, deadline, v, r, s))
        .to.emit(fx.vault, "Deposited")
        .withArgs(fx.permitOwner.address, fx.permitOwner.address, amount);
    });

    it("still deposits when someone else submitted the permit first (front-run)", async function () {
      const fx = await load();
      const { vault, usd, permitOwner, outsider } = fx;
      const amount = 60n * USD;
      const deadline = await inOneHour();
      const { v, r, s } = await signPermit(fx, permitOwner, permitOwner.address, amount, deadline);
      await (await usd.connect(outsider).permit(permitOwner.address, fx.vaultAddress, amount, deadline, v, r, s)).wait();
      expect(await usd.allowance(permitOwner.address, fx.vaultAddress)).to.equal(amount);

      await expect(vault.connect(permitOwner).depositWithPermit(amount, deadline, v, r, s))
        .to.emit(vault, "Deposited")
        .withArgs(permitOwner.address, permitOwner.address, amount);
      expect(await vault.cashOf(permitOwner.address)).to.equal(amount);
      expect(await usd.allowance(permitOwner.address, fx.vaultAddress)).to.equal(0n);
    });

    it("an invalid permit (wrong signer) and no allowance fail with the token's ERC20InsufficientAllowance", async function () {
      const fx = await load();
      const amount = 60n * USD;
      const deadline = await inOneHour();
      const impostor = new Wallet(keccak256(toUtf8Bytes("not the owner")));
      const { v, r, s } = await signPermit(fx, impostor, fx.permitOwner.address, amount, deadline);
      await expect(fx.vault.connect(fx.permitOwner).depositWithPermit(amount, deadline, v, r, s))
        .to.be.revertedWithCustomError(fx.usd, "ERC20InsufficientAllowance")
        .withArgs(fx.vaultAddress, 0n, amount);
    });

    it("an expired permit and no allowance fail with the token's ERC20InsufficientAllowance", async function () {
      const fx = await load();
      const amount = 60n * USD;
      const deadline = BigInt(await networkHelpers.time.latest()) - 1n;
      const { v, r, s } = await signPermit(fx, fx.permitOwner, fx.permitOwner.address, amount, deadline);
      await expect(fx.vault.connect(fx.permitOwner).depositWithPermit(amount, deadline, v, r, s))
        .to.be.revertedWithCustomError(fx.usd, "ERC20InsufficientAllowance")
        .withArgs(fx.vaultAddress, 0n, amount);
    });

    it("a permit signed for a smaller amount fails with ERC20InsufficientAllowance for the larger one", async function () {
      const fx = await load();
      const deadline = await inOneHour();
      const { v, r, s } = await signPermit(fx, fx.permitOwner, fx.permitOwner.address, 10n * USD, deadline);
      await expect(fx.vault.connect(fx.permitOwner).depositWithPermit(11n * USD, deadline, v, r, s))
        .to.be.revertedWithCustomError(fx.usd, "ERC20InsufficientAllowance")
        .withArgs(fx.vaultAddress, 0n, 11n * USD);
    });
  });

  describe("withdraw without open positions", function () {
    it("pays the whole balance to `to`", async function () {
      const { vault, usd, alice, recipient } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      await expect(vault.connect(alice).withdraw(500n * USD, recipient.address)).to.changeTokenBalances(
        ethers,
        usd,
        [vault, recipient, alice],
        [-500n * USD, 500n * USD, 0n],
      );
      expect(await vault.cashOf(alice.address)).to.equal(0n);
      expect(await vault.totalCash()).to.equal(0n);
    });

    it("emits Withdrawn(account, to, amount)", async function () {
      const { vault, alice, recipient } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      await expect(vault.connect(alice).withdraw(200n * USD, recipient.address))
        .to.emit(vault, "Withdrawn")
        .withArgs(alice.address, recipient.address, 200n * USD);
    });

    it("pays the whole balance while every market reports a stale index and no position", async function () {
      const { vault, usd, marketA, marketB, alice } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      const staleNoPosition = { ...NO_POSITION, indexStale: true };
      await setMargin(marketA, alice.address, staleNoPosition);
      await setMargin(marketB, alice.address, staleNoPosition);
      await expect(vault.connect(alice).withdraw(500n * USD, alice.address)).to.changeTokenBalances(
        ethers,
        usd,
        [vault, alice],
        [-500n * USD, 500n * USD],
      );
    });

    it("ignores what a market reports besides positions when the account holds none there", async function () {
      const { vault, marketA, alice } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      const report: Margin = {
        openPositions: 0n,
        markValue: -400n * USD,
        withdrawalValue: -450n * USD,
        initialMargin: 300n * USD,
        maintenanceMargin: 200n * USD,
        indexStale: true,
      };
      await setMargin(marketA, alice.address, report);
      const m = await vault.accountMargin(alice.address);
      expect(m.freeCollateral).to.equal(expectedMargin(500n * USD, [report]).freeCollateral);
      expect(m.freeCollateral).to.equal(500n * USD);
    });

    it("InsufficientFreeCollateral: one unit more than the cash", async function () {
      const { vault, alice } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      await expect(vault.connect(alice).withdraw(500n * USD + 1n, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, 500n * USD + 1n, 500n * USD);
    });

    it("InsufficientFreeCollateral: an account that never deposited has nothing free", async function () {
      const { vault, outsider } = await load();
      await expect(vault.connect(outsider).withdraw(1n, outsider.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(outsider.address, 1n, 0n);
    });

    it("InsufficientFreeCollateral: negative cash is nothing free", async function () {
      const { vault, marketA, alice, carol } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      await (await marketA.moveCash(carol.address, alice.address, 100n * USD)).wait();
      await expect(vault.connect(carol).withdraw(1n, carol.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(carol.address, 1n, 0n);
    });

    it("ZeroAmount: withdrawing nothing", async function () {
      const { vault, alice } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      await expect(vault.connect(alice).withdraw(0n, alice.address))
        .to.be.revertedWithCustomError(vault, "ZeroAmount")
        .withArgs();
    });

    it("ZeroAddress: withdrawing to the zero address", async function () {
      const { vault, alice } = await load();
      await (await vault.connect(alice).deposit(500n * USD)).wait();
      await expect(vault.connect(alice).withdraw(1n, ZeroAddress))
        .to.be.revertedWithCustomError(vault, "ZeroAddress")
        .withArgs();
    });
  });

  describe("withdraw with open positions", function () {
    /** alice deposited 10,000 and paid 5,000 cash for a long position (to bob). */
    const DEPOSIT = 10_000n * USD;
    const COST = 5_000n * USD;
    const CASH = DEPOSIT - COST;

    async function longPosition() {
      const fx = await load();
      await (await fx.vault.connect(fx.alice).deposit(DEPOSIT)).wait();
      await (await fx.marketA.moveCash(fx.alice.address, fx.bob.address, COST)).wait();
      return fx;
    }

    /** The long after a 20% rise: mark 6,000, withdrawal value still the entry value 5,000. */
    const IN_PROFIT: Margin = {
      openPositions: 1n,
      markValue: 6_000n * USD,
      withdrawalValue: 5_000n * USD,
      initialMargin: 1_200n * USD,
      maintenanceMargin: 600n * USD,
      indexStale: false,
    };
    /** The long after a 30% fall: the loss counts at once. */
    const AT_LOSS: Margin = {
      openPositions: 1n,
      markValue: 3_500n * USD,
      withdrawalValue: 3_500n * USD,
      initialMargin: 700n * USD,
      maintenanceMargin: 350n * USD,
      indexStale: false,
    };

    it("pays exactly the free collateral", async function () {
      const { vault, usd, marketA, alice } = await longPosition();
      await setMargin(marketA, alice.address, AT_LOSS);
      const free = expectedMargin(CASH, [AT_LOSS]).freeCollateral;
      await expect(vault.connect(alice).withdraw(free, alice.address)).to.changeTokenBalances(
        ethers,
        usd,
        [vault, alice],
        [-free, free],
      );
      expect(await vault.cashOf(alice.address)).to.equal(CASH - free);
    });

    it("InsufficientFreeCollateral(account, requested, cash + withdrawalValue - initialMargin)", async function () {
      const { vault, marketA, alice } = await longPosition();
      await setMargin(marketA, alice.address, AT_LOSS);
      const free = CASH + AT_LOSS.withdrawalValue - AT_LOSS.initialMargin;
      await expect(vault.connect(alice).withdraw(free + 1n, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, free + 1n, free);
    });

    it("InsufficientFreeCollateral: available floored at zero when initial margin exceeds the value", async function () {
      const { vault, marketA, alice } = await longPosition();
      const underwater: Margin = { ...AT_LOSS, withdrawalValue: -2_000n * USD, initialMargin: 4_000n * USD };
      await setMargin(marketA, alice.address, underwater);
      expect(CASH + underwater.withdrawalValue - underwater.initialMargin < 0n).to.equal(true);
      await expect(vault.connect(alice).withdraw(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, 1n, 0n);
    });

    it("unrealised profit is not withdrawable (markValue > withdrawalValue)", async function () {
      const { vault, marketA, alice } = await longPosition();
      await setMargin(marketA, alice.address, IN_PROFIT);
      const free = CASH + IN_PROFIT.withdrawalValue - IN_PROFIT.initialMargin;
      const ifProfitCounted = CASH + IN_PROFIT.markValue - IN_PROFIT.initialMargin;
      expect(ifProfitCounted > free).to.equal(true);
      await expect(vault.connect(alice).withdraw(ifProfitCounted, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, ifProfitCounted, free);
    });

    it("IndexStale(account): positions open and an index stale", async function () {
      const { vault, marketA, alice } = await longPosition();
      await setMargin(marketA, alice.address, { ...IN_PROFIT, indexStale: true });
      await expect(vault.connect(alice).withdraw(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "IndexStale")
        .withArgs(alice.address);
    });

    it("IndexStale(account): stale in one market, positions in both", async function () {
      const { vault, marketA, marketB, alice } = await longPosition();
      await setMargin(marketA, alice.address, IN_PROFIT);
      await setMargin(marketB, alice.address, { ...AT_LOSS, indexStale: true });
      await expect(vault.connect(alice).withdraw(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "IndexStale")
        .withArgs(alice.address);
    });

    it("IndexStale(account): stale in the first market, a fresh one after it", async function () {
      const { vault, marketA, marketB, alice } = await longPosition();
      await setMargin(marketA, alice.address, { ...AT_LOSS, indexStale: true });
      await setMargin(marketB, alice.address, IN_PROFIT);
      await expect(vault.connect(alice).withdraw(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "IndexStale")
        .withArgs(alice.address);
    });

    it("a stale index in a market where the account holds nothing does not block it", async function () {
      const { vault, usd, marketA, marketB, alice } = await longPosition();
      await setMargin(marketA, alice.address, { ...NO_POSITION, indexStale: true });
      await setMargin(marketB, alice.address, AT_LOSS);
      const free = expectedMargin(CASH, [{ ...NO_POSITION, indexStale: true }, AT_LOSS]).freeCollateral;
      await expect(vault.connect(alice).withdraw(free, alice.address)).to.changeTokenBalances(
        ethers,
        usd,
        [vault, alice],
        [-free, free],
      );
    });

    it("sums withdrawal values and initial margins over two markets", async function () {
      const { vault, marketA, marketB, alice } = await longPosition();
      await setMargin(marketA, alice.address, IN_PROFIT);
      await setMargin(marketB, alice.address, AT_LOSS);
      const free =
        CASH +
        IN_PROFIT.withdrawalValue +
        AT_LOSS.withdrawalValue -
        IN_PROFIT.initialMargin -
        AT_LOSS.initialMargin;
      await expect(vault.connect(alice).withdraw(free + 1n, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, free + 1n, free);
    });

    it("a loss in one market reduces what the other market's profit frees", async function () {
      const { vault, marketA, marketB, alice } = await longPosition();
      await setMargin(marketA, alice.address, IN_PROFIT);
      const alone = expectedMargin(CASH, [IN_PROFIT]).freeCollateral;
      const losing: Margin = { ...AT_LOSS, withdrawalValue: -1_500n * USD, markValue: -1_500n * USD };
      await setMargin(marketB, alice.address, losing);
      const both = expectedMargin(CASH, [IN_PROFIT, losing]).freeCollateral;
      expect(both < alone).to.equal(true);
      await expect(vault.connect(alice).withdraw(alone, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, alone, both);
    });

    it("a deregistered market's positions no longer count", async function () {
      const { vault, marketA, marketB, alice } = await longPosition();
      await setMargin(marketA, alice.address, IN_PROFIT);
      await setMargin(marketB, alice.address, { ...AT_LOSS, indexStale: true });
      await (await vault.deregisterMarket(await marketB.getAddress())).wait();
      const free = expectedMargin(CASH, [IN_PROFIT]).freeCollateral;
      await expect(vault.connect(alice).withdraw(free + 1n, alice.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeCollateral")
        .withArgs(alice.address, free + 1n, free);
    });
  });

  describe("accountMargin", function () {
    async function withTwoMarkets() {
      const fx = await load();
      await (await fx.vault.connect(fx.alice).deposit(3_000n * USD)).wait();
      const a: Margin = {
        openPositions: 2n,
        markValue: 1_750n * USD,
        withdrawalValue: 1_500n * USD,
        initialMargin: 400n * USD,
        maintenanceMargin: 200n * USD,
        indexStale: false,
      };
      const b: Margin = {
        openPositions: 3n,
        markValue: -900n * USD,
        withdrawalValue: -1_100n * USD,
        initialMargin: 650n * USD,
        maintenanceMargin: 325n * USD + 1n,
        indexStale: false,
      };
      await setMargin(fx.marketA, fx.alice.address, a);
      await setMargin(fx.marketB, fx.alice.address, b);
      return { ...fx, a, b, cash: 3_000n * USD };
    }

    function asObject(m: Awaited<ReturnType<MarginVault["accountMargin"]>>) {
      return {
        cash: m.cash,
        equity: m.equity,
        initialMargin: m.initialMargin,
        maintenanceMargin: m.maintenanceMargin,
        openPositions: m.openPositions,
        freeCollateral: m.freeCollateral,
        indexStale: m.indexStale,
      };
    }

    it("only cash, all free, for an account without positions", async function () {
      const { vault, alice } = await load();
      await (await vault.connect(alice).deposit(3_000n * USD)).wait();
      expect(asObject(await vault.accountMargin(alice.address))).to.deep.equal(expectedMargin(3_000n * USD, []));
    });

    it("sums every field over two markets", async function () {
      const { vault, alice, a, b, cash } = await withTwoMarkets();
      expect(asObject(await vault.accountMargin(alice.address))).to.deep.equal(expectedMargin(cash, [a, b]));
    });

    it("equity is cash plus the mark values", async function () {
      const { vault, alice, a, b, cash } = await withTwoMarkets();
      expect((await vault.accountMargin(alice.address)).equity).to.equal(cash + a.markValue + b.markValue);
    });

    it("a stale index: indexStale and no free collateral, the other fields unchanged", async function () {
      const { vault, marketB, alice, a, b, cash } = await withTwoMarkets();
      await (await marketB.setIndexStale(alice.address, true)).wait();
      const got = asObject(await vault.accountMargin(alice.address));
      expect(got).to.deep.equal(expectedMargin(cash, [a, { ...b, indexStale: true }]));
      expect(got.freeCollateral).to.equal(0n);
      expect(got.indexStale).to.equal(true);
    });
  });

  describe("market-only functions", function () {
    it("NotMarket(caller): moveCash from an account that is not a market", async function () {
      const { vault, alice, bob } = await load();
      await expect(vault.connect(alice).moveCash(alice.address, bob.address, 1n))
        .to.be.revertedWithCustomError(vault, "NotMarket")
        .withArgs(alice.address);
    });

    it("NotMarket(caller): chargeFee from an account that is not a market", async function () {
      const { vault, alice } = await load();
      await expect(vault.connect(alice).chargeFee(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "NotMarket")
        .withArgs(alice.address);
    });

    it("NotMarket(caller): payInsurance from an account that is not a market", async function () {
      const { vault, alice } = await load();
      await expect(vault.connect(alice).payInsurance(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "NotMarket")
        .withArgs(alice.address);
    });

    it("NotMarket(caller): drawInsurance from an account that is not a market", async function () {
      const { vault, alice } = await load();
      await expect(vault.connect(alice).drawInsurance(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "NotMarket")
        .withArgs(alice.address);
    });

    it("NotMarket(caller): the admin is not a market", async function () {
      const { vault, admin, alice } = await load();
      await expect(vault.connect(admin).chargeFee(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "NotMarket")
        .withArgs(admin.address);
    });

    it("NotMarket(caller): a market after it was deregistered", async function () {
      const { vault, marketB, alice, bob } = await load();
      const market = await marketB.getAddress();
      await (await vault.deregisterMarket(market)).wait();
      await expect(marketB.moveCash(alice.address, bob.address, 1n))
        .to.be.revertedWithCustomError(vault, "NotMarket")
        .withArgs(market);
    });

    describe("moveCash", function () {
      it("moves cash between accounts and leaves the total alone", async function () {
        const { vault, usd, marketA, alice, bob } = await load();
        await (await vault.connect(alice).deposit(100n * USD)).wait();
        await expect(marketA.moveCash(alice.address, bob.address, 30n * USD)).to.changeTokenBalances(
          ethers,
          usd,
          [vault, alice, bob],
          [0n, 0n, 0n],
        );
        expect(await vault.cashOf(alice.address)).to.equal(70n * USD);
        expect(await vault.cashOf(bob.address)).to.equal(30n * USD);
        expect(await vault.totalCash()).to.equal(100n * USD);
      });

      it("emits CashMoved(market, from, to, amount)", async function () {
        const { vault, marketA, alice, bob } = await load();
        await expect(marketA.moveCash(alice.address, bob.address, 30n * USD))
          .to.emit(vault, "CashMoved")
          .withArgs(await marketA.getAddress(), alice.address, bob.address, 30n * USD);
      });

      it("takes the sender negative", async function () {
        const { vault, marketA, alice, carol } = await load();
        await (await vault.connect(alice).deposit(10n * USD)).wait();
        await (await marketA.moveCash(carol.address, alice.address, 25n * USD)).wait();
        expect(await vault.cashOf(carol.address)).to.equal(-25n * USD);
        expect(await vault.cashOf(alice.address)).to.equal(35n * USD);
        expect(await vault.totalCash()).to.equal(10n * USD);
      });

      it("brings a negative balance back up", async function () {
        const { vault, marketA, marketB, alice, carol } = await load();
        await (await marketA.moveCash(carol.address, alice.address, 25n * USD)).wait();
        await (await marketB.moveCash(alice.address, carol.address, 40n * USD)).wait();
        expect(await vault.cashOf(carol.address)).to.equal(15n * USD);
        expect(await vault.cashOf(alice.address)).to.equal(-15n * USD);
        expect(await vault.totalCash()).to.equal(0n);
      });
    });

    describe("chargeFee", function () {
      it("moves cash from the account to the fee account", async function () {
        const { vault, marketA, alice } = await load();
        await (await vault.connect(alice).deposit(100n * USD)).wait();
        await (await marketA.chargeFee(alice.address, 3n * USD)).wait();
        expect(await vault.cashOf(alice.address)).to.equal(97n * USD);
        expect(await vault.totalCash()).to.equal(97n * USD);
        expect(await vault.feeBalance()).to.equal(3n * USD);
      });

      it("emits FeeCharged(market, account, amount)", async function () {
        const { vault, marketA, alice } = await load();
        await (await vault.connect(alice).deposit(100n * USD)).wait();
        await expect(marketA.chargeFee(alice.address, 3n * USD))
          .to.emit(vault, "FeeCharged")
          .withArgs(await marketA.getAddress(), alice.address, 3n * USD);
      });

      it("may take the account negative", async function () {
        const { vault, marketA, alice } = await load();
        await (await vault.connect(alice).deposit(2n * USD)).wait();
        await (await marketA.chargeFee(alice.address, 3n * USD)).wait();
        expect(await vault.cashOf(alice.address)).to.equal(-1n * USD);
        expect(await vault.feeBalance()).to.equal(3n * USD);
      });
    });

    describe("payInsurance", function () {
      it("moves cash from the account to the insurance fund", async function () {
        const { vault, marketA, alice } = await load();
        await (await vault.connect(alice).deposit(100n * USD)).wait();
        await (await marketA.payInsurance(alice.address, 8n * USD)).wait();
        expect(await vault.cashOf(alice.address)).to.equal(92n * USD);
        expect(await vault.totalCash()).to.equal(92n * USD);
        expect(await vault.insuranceFund()).to.equal(8n * USD);
      });

      it("emits InsurancePaid(market, account, amount)", async function () {
        const { vault, marketB, alice } = await load();
        await (await vault.connect(alice).deposit(100n * USD)).wait();
        await expect(marketB.payInsurance(alice.address, 8n * USD))
          .to.emit(vault, "InsurancePaid")
          .withArgs(await marketB.getAddress(), alice.address, 8n * USD);
      });
    });

    describe("drawInsurance", function () {
      const FUND = 50n * USD;

      async function funded() {
        const fx = await load();
        await (await fx.vault.connect(fx.bob).fundInsurance(FUND)).wait();
        return fx;
      }

      it("returns the amount asked for when the fund covers it", async function () {
        const { marketA, carol } = await funded();
        expect(await marketA.drawInsurance.staticCall(carol.address, 20n * USD)).to.equal(20n * USD);
      });

      it("moves the amount from the fund to the account", async function () {
        const { vault, marketA, carol } = await funded();
        await (await marketA.drawInsurance(carol.address, 20n * USD)).wait();
        expect(await vault.insuranceFund()).to.equal(FUND - 20n * USD);
        expect(await vault.cashOf(carol.address)).to.equal(20n * USD);
        expect(await vault.totalCash()).to.equal(20n * USD);
      });

      it("emits InsuranceDrawn(market, account, amount)", async function () {
        const { vault, marketA, carol } = await funded();
        await expect(marketA.drawInsurance(carol.address, 20n * USD))
          .to.emit(vault, "InsuranceDrawn")
          .withArgs(await marketA.getAddress(), carol.address, 20n * USD);
      });

      it("is capped at the fund: returns what the fund held", async function () {
        const { marketA, carol } = await funded();
        expect(await marketA.drawInsurance.staticCall(carol.address, FUND + 1n)).to.equal(FUND);
      });

      it("is capped at the fund: empties it and credits only that", async function () {
        const { vault, marketA, carol } = await funded();
        await (await marketA.drawInsurance(carol.address, FUND * 3n)).wait();
        expect(await vault.insuranceFund()).to.equal(0n);
        expect(await vault.cashOf(carol.address)).to.equal(FUND);
      });

      it("is capped at the fund: InsuranceDrawn reports what was drawn", async function () {
        const { vault, marketA, carol } = await funded();
        await expect(marketA.drawInsurance(carol.address, FUND * 3n))
          .to.emit(vault, "InsuranceDrawn")
          .withArgs(await marketA.getAddress(), carol.address, FUND);
      });

      it("covers a negative balance (bad debt)", async function () {
        const { vault, marketA, alice, carol } = await funded();
        await (await marketA.moveCash(carol.address, alice.address, 30n * USD)).wait();
        await (await marketA.drawInsurance(carol.address, 30n * USD)).wait();
        expect(await vault.cashOf(carol.address)).to.equal(0n);
        expect(await vault.insuranceFund()).to.equal(FUND - 30n * USD);
      });

      it("draws nothing from an empty fund", async function () {
        const { vault, marketA, carol } = await load();
        expect(await marketA.drawInsurance.staticCall(carol.address, 5n * USD)).to.equal(0n);
        await (await marketA.drawInsurance(carol.address, 5n * USD)).wait();
        expect(await vault.cashOf(carol.address)).to.equal(0n);
        expect(await vault.insuranceFund()).to.equal(0n);
      });
    });
  });

  describe("fundInsurance", function () {
    it("takes the tokens from the sender into the insurance fund", async function () {
      const { vault, usd, bob } = await load();
      await expect(vault.connect(bob).fundInsurance(75n * USD)).to.changeTokenBalances(
        ethers,
        usd,
        [bob, vault],
        [-75n * USD, 75n * USD],
      );
      expect(await vault.insuranceFund()).to.equal(75n * USD);
      expect(await vault.totalCash()).to.equal(0n);
      expect(await vault.cashOf(bob.address)).to.equal(0n);
    });

    it("emits InsuranceFunded(payer, amount)", async function () {
      const { vault, bob } = await load();
      await expect(vault.connect(bob).fundInsurance(75n * USD))
        .to.emit(vault, "InsuranceFunded")
        .withArgs(bob.address, 75n * USD);
    });

    it("ZeroAmount: funding nothing", async function () {
      const { vault, bob } = await load();
      await expect(vault.connect(bob).fundInsurance(0n)).to.be.revertedWithCustomError(vault, "ZeroAmount").withArgs();
    });

    it("TransferShortfall(expected, received): a fee-on-transfer token", async function () {
      const { vault, alice } = await loadFeeOnTransfer();
      const amount = 500n * USD;
      await expect(vault.connect(alice).fundInsurance(amount))
        .to.be.revertedWithCustomError(vault, "TransferShortfall")
        .withArgs(amount, amount - amount / 100n);
    });
  });

  describe("market registration", function () {
    async function extraMarket(fx: Fx) {
      const market: MockMarginSource = await ethers.deployContract("MockMarginSource", [fx.vaultAddress]);
      return market;
    }

    it("registerMarket lists the market and emits MarketRegistered(market)", async function () {
      const fx = await load();
      const market = await extraMarket(fx);
      const address = await market.getAddress();
      await expect(fx.vault.registerMarket(address)).to.emit(fx.vault, "MarketRegistered").withArgs(address);
      expect(await fx.vault.isMarket(address)).to.equal(true);
      expect([...(await fx.vault.markets())]).to.deep.equal([
        await fx.marketA.getAddress(),
        await fx.marketB.getAddress(),
        address,
      ]);
    });

    it("MarketAlreadyRegistered(market)", async function () {
      const { vault, marketA } = await load();
      const address = await marketA.getAddress();
      await expect(vault.registerMarket(address))
        .to.be.revertedWithCustomError(vault, "MarketAlreadyRegistered")
        .withArgs(address);
    });

    it("ZeroAddress: registering the zero address", async function () {
      const { vault } = await load();
      await expect(vault.registerMarket(ZeroAddress)).to.be.revertedWithCustomError(vault, "ZeroAddress").withArgs();
    });

    it("TooManyMarkets(4): a fifth market", async function () {
      const fx = await load();
      for (let i = 0; i < 2; i++) await (await fx.vault.registerMarket(await extraMarket(fx))).wait();
      expect(BigInt((await fx.vault.markets()).length)).to.equal(MAX_MARKETS);
      await expect(fx.vault.registerMarket(await extraMarket(fx)))
        .to.be.revertedWithCustomError(fx.vault, "TooManyMarkets")
        .withArgs(MAX_MARKETS);
    });

    it("a deregistered market frees its slot", async function () {
      const fx = await load();
      for (let i = 0; i < 2; i++) await (await fx.vault.registerMarket(await extraMarket(fx))).wait();
      await (await fx.vault.deregisterMarket(await fx.marketA.getAddress())).wait();
      const fifth = await extraMarket(fx);
      await (await fx.vault.registerMarket(fifth)).wait();
      expect(await fx.vault.isMarket(await fifth.getAddress())).to.equal(true);
      expect(BigInt((await fx.vault.markets()).length)).to.equal(MAX_MARKETS);
    });

    it("AccessControlUnauthorizedAccount: registerMarket without DEFAULT_ADMIN_ROLE", async function () {
      const fx = await load();
      const market = await extraMarket(fx);
      await expect(fx.vault.connect(fx.alice).registerMarket(market))
        .to.be.revertedWithCustomError(fx.vault, "AccessControlUnauthorizedAccount")
        .withArgs(fx.alice.address, DEFAULT_ADMIN_ROLE);
    });

    it("deregisterMarket unlists the market and emits MarketDeregistered(market)", async function () {
      const { vault, marketA, marketB } = await load();
      const a = await marketA.getAddress();
      await expect(vault.deregisterMarket(a)).to.emit(vault, "MarketDeregistered").withArgs(a);
      expect(await vault.isMarket(a)).to.equal(false);
      expect([...(await vault.markets())]).to.deep.equal([await marketB.getAddress()]);
    });

    it("deregisterMarket keeps the other markets when removing one from the middle", async function () {
      const fx = await load();
      const c = await extraMarket(fx);
      await (await fx.vault.registerMarket(c)).wait();
      await (await fx.vault.deregisterMarket(await fx.marketB.getAddress())).wait();
      const listed = [...(await fx.vault.markets())].sort();
      expect(listed).to.deep.equal([await fx.marketA.getAddress(), await c.getAddress()].sort());
    });

    it("a deregistered market can be registered again", async function () {
      const { vault, marketA } = await load();
      const a = await marketA.getAddress();
      await (await vault.deregisterMarket(a)).wait();
      await expect(vault.registerMarket(a)).to.emit(vault, "MarketRegistered").withArgs(a);
      expect(await vault.isMarket(a)).to.equal(true);
    });

    it("MarketNotRegistered(market)", async function () {
      const fx = await load();
      const market = await extraMarket(fx);
      const address = await market.getAddress();
      await expect(fx.vault.deregisterMarket(address))
        .to.be.revertedWithCustomError(fx.vault, "MarketNotRegistered")
        .withArgs(address);
    });

    it("MarketNotRegistered(market): deregistering twice", async function () {
      const { vault, marketA } = await load();
      const a = await marketA.getAddress();
      await (await vault.deregisterMarket(a)).wait();
      await expect(vault.deregisterMarket(a)).to.be.revertedWithCustomError(vault, "MarketNotRegistered").withArgs(a);
    });

    it("AccessControlUnauthorizedAccount: deregisterMarket without DEFAULT_ADMIN_ROLE", async function () {
      const { vault, marketA, alice } = await load();
      await expect(vault.connect(alice).deregisterMarket(await marketA.getAddress()))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, DEFAULT_ADMIN_ROLE);
    });
  });

  describe("withdrawFees", function () {
    const FEES = 12n * USD;

    async function withFees() {
      const fx = await load();
      await (await fx.vault.connect(fx.alice).deposit(100n * USD)).wait();
      await (await fx.marketA.chargeFee(fx.alice.address, FEES)).wait();
      return fx;
    }

    it("pays fees to `to` and lowers the fee account", async function () {
      const { vault, usd, admin, recipient } = await withFees();
      await expect(vault.connect(admin).withdrawFees(5n * USD, recipient.address)).to.changeTokenBalances(
        ethers,
        usd,
        [vault, recipient],
        [-5n * USD, 5n * USD],
      );
      expect(await vault.feeBalance()).to.equal(FEES - 5n * USD);
    });

    it("emits FeesWithdrawn(to, amount)", async function () {
      const { vault, admin, recipient } = await withFees();
      await expect(vault.connect(admin).withdrawFees(FEES, recipient.address))
        .to.emit(vault, "FeesWithdrawn")
        .withArgs(recipient.address, FEES);
    });

    it("a fee manager other than the admin may withdraw", async function () {
      const { vault, usd, feeManager, recipient } = await withFees();
      await (await vault.grantRole(FEE_MANAGER_ROLE, feeManager.address)).wait();
      await expect(vault.connect(feeManager).withdrawFees(FEES, recipient.address)).to.changeTokenBalances(
        ethers,
        usd,
        [vault, recipient],
        [-FEES, FEES],
      );
    });

    it("InsufficientFees(requested, available)", async function () {
      const { vault, admin, recipient } = await withFees();
      await expect(vault.connect(admin).withdrawFees(FEES + 1n, recipient.address))
        .to.be.revertedWithCustomError(vault, "InsufficientFees")
        .withArgs(FEES + 1n, FEES);
    });

    it("AccessControlUnauthorizedAccount: without FEE_MANAGER_ROLE", async function () {
      const { vault, alice } = await withFees();
      await expect(vault.connect(alice).withdrawFees(1n, alice.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, FEE_MANAGER_ROLE);
    });

    it("AccessControlUnauthorizedAccount: the admin after renouncing FEE_MANAGER_ROLE", async function () {
      const { vault, admin, recipient } = await withFees();
      await (await vault.connect(admin).renounceRole(FEE_MANAGER_ROLE, admin.address)).wait();
      await expect(vault.connect(admin).withdrawFees(1n, recipient.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, FEE_MANAGER_ROLE);
    });

    it("ZeroAmount: withdrawing no fees", async function () {
      const { vault, admin, recipient } = await withFees();
      await expect(vault.connect(admin).withdrawFees(0n, recipient.address))
        .to.be.revertedWithCustomError(vault, "ZeroAmount")
        .withArgs();
    });

    it("ZeroAddress: withdrawing fees to the zero address", async function () {
      const { vault, admin } = await withFees();
      await expect(vault.connect(admin).withdrawFees(1n, ZeroAddress))
        .to.be.revertedWithCustomError(vault, "ZeroAddress")
        .withArgs();
    });
  });

  describe("accounting across a whole scenario", function () {
    it("the vault holds exactly totalCash + insuranceFund + feeBalance at every step", async function () {
      const fx = await load();
      const { vault, marketA, marketB, alice, bob, carol, admin, recipient } = fx;
      const steps: Array<() => Promise<unknown>> = [
        () => vault.connect(alice).deposit(1_000n * USD),
        () => vault.connect(bob).depositFor(carol.address, 400n * USD),
        () => vault.connect(carol).fundInsurance(100n * USD),
        () => marketA.moveCash(alice.address, bob.address, 1_300n * USD),
        () => marketB.chargeFee(bob.address, 20n * USD),
        () => marketA.payInsurance(carol.address, 30n * USD),
        () => marketB.drawInsurance(alice.address, 500n * USD),
        () => vault.connect(bob).withdraw(1_000n * USD, bob.address),
        () => vault.connect(admin).withdrawFees(20n * USD, recipient.address),
      ];
      for (const step of steps) {
        const tx = (await step()) as { wait(): Promise<unknown> };
        await tx.wait();
        await expectBacked(fx);
      }
      // alice: 1000 - 1300 + min(500, 100 + 30); bob: 1300 - 20 - 1000; carol: 400 - 30.
      expect(await vault.cashOf(alice.address)).to.equal(-170n * USD);
      expect(await vault.cashOf(bob.address)).to.equal(280n * USD);
      expect(await vault.cashOf(carol.address)).to.equal(370n * USD);
      expect(await vault.totalCash()).to.equal(480n * USD);
      expect(await vault.insuranceFund()).to.equal(0n);
      expect(await vault.feeBalance()).to.equal(0n);
    });
  });
});
