// SPDX-License-Identifier: MIT
// ComputeMarket: a commercial requester escrows COP for a batch at the published price per credit; the coordinator
// settles as units are validated, burning the COP for the credit done, and the rest is refunded when the batch
// closes, or after a cancel once the coordinator has had its grace period to settle the credit validated so far.
// Escrows live in each requester's own namespace (requester, batchId): nobody can take another account's batch id.
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {COP} from "./COP.sol";

contract ComputeMarket is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    bytes32 public constant PRICER_ROLE = keccak256("PRICER_ROLE");

    /// One escrow. Credit is in credit wei (1e18 = 1 credit); prices are COP wei per whole credit. `refundableAt`
    /// is 0 until the requester cancels, then the time from which it may take back what is not burned.
    struct Batch {
        address requester;
        bool closed;
        uint64 refundableAt;
        uint256 price;
        uint256 escrow;
        uint256 burned;
        uint256 settledCredit;
    }

    COP public immutable cop;
    /// Seconds the coordinator has, after a cancel, to settle the credit validated so far before a refund.
    uint64 public immutable cancelGrace;
    /// The published price, in COP wei per credit, that a batch opened now pays.
    uint256 public pricePerCredit;
    mapping(address => mapping(uint256 => Batch)) private _batches;

    event PriceSet(uint256 pricePerCredit);
    event BatchOpened(uint256 indexed batchId, address indexed requester, uint256 escrow, uint256 price);
    event CancelRequested(uint256 indexed batchId, address indexed requester, uint64 refundableAt);
    event Settled(uint256 indexed batchId, address indexed requester, uint256 credit, uint256 burned);
    event BatchClosed(uint256 indexed batchId, address indexed requester, uint256 refund);

    error BatchExists(address requester, uint256 batchId);
    error UnknownBatch(address requester, uint256 batchId);
    error BatchIsClosed(address requester, uint256 batchId);
    error CreditWentBack(uint256 settled, uint256 given);
    error NotCancelled(address requester, uint256 batchId);
    error GraceNotOver(uint64 refundableAt);
    error ZeroEscrow();

    constructor(COP token, address admin, address coordinator, uint256 price, uint64 grace) {
        cop = token;
        pricePerCredit = price;
        cancelGrace = grace;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(SETTLER_ROLE, coordinator);
        _grantRole(PRICER_ROLE, coordinator);
        emit PriceSet(price);
    }

    function setPrice(uint256 price) external onlyRole(PRICER_ROLE) {
        pricePerCredit = price;
        emit PriceSet(price);
    }

    function batches(address requester, uint256 batchId) external view returns (Batch memory) {
        return _batches[requester][batchId];
    }

    /// Escrows `amount` COP (approved beforehand) for the caller's batch `batchId` at today's price.
    function open(uint256 batchId, uint256 amount) external {
        if (_batches[msg.sender][batchId].requester != address(0)) revert BatchExists(msg.sender, batchId);
        if (amount == 0) revert ZeroEscrow();
        _batches[msg.sender][batchId] = Batch(msg.sender, false, 0, pricePerCredit, amount, 0, 0);
        IERC20(address(cop)).safeTransferFrom(msg.sender, address(this), amount);
        emit BatchOpened(batchId, msg.sender, amount, pricePerCredit);
    }

    /// Burns the COP owed for the batch's cumulative validated credit `credit`, never more than its escrow.
    function settle(address requester, uint256 batchId, uint256 credit) public onlyRole(SETTLER_ROLE) {
        Batch storage b = _open(requester, batchId);
        if (credit < b.settledCredit) revert CreditWentBack(b.settledCredit, credit);
        uint256 owed = credit * b.price / 1e18;
        if (owed > b.escrow) owed = b.escrow;
        uint256 burn = owed - b.burned;
        b.settledCredit = credit;
        b.burned = owed;
        if (burn > 0) cop.burn(burn);
        emit Settled(batchId, requester, credit, burn);
    }

    /// The batch is done (or cancelled): settle its final credit and refund the rest of its escrow.
    function close(address requester, uint256 batchId, uint256 finalCredit) external onlyRole(SETTLER_ROLE) {
        settle(requester, batchId, finalCredit);
        _refund(requester, batchId);
    }

    /// The requester cancels: the coordinator settles the credit validated so far and closes within `cancelGrace`;
    /// only after that may the requester take back what is not burned itself (`withdraw`).
    function cancel(uint256 batchId) external {
        Batch storage b = _open(msg.sender, batchId);
        if (b.refundableAt == 0) {
            b.refundableAt = uint64(block.timestamp) + cancelGrace;
            emit CancelRequested(batchId, msg.sender, b.refundableAt);
        }
    }

    /// After a cancel's grace period, a coordinator that did not close the batch has lost what it did not settle.
    function withdraw(uint256 batchId) external {
        Batch storage b = _open(msg.sender, batchId);
        if (b.refundableAt == 0) revert NotCancelled(msg.sender, batchId);
        if (block.timestamp < b.refundableAt) revert GraceNotOver(b.refundableAt);
        _refund(msg.sender, batchId);
    }

    function _open(address requester, uint256 batchId) private view returns (Batch storage b) {
        b = _batches[requester][batchId];
        if (b.requester == address(0)) revert UnknownBatch(requester, batchId);
        if (b.closed) revert BatchIsClosed(requester, batchId);
    }

    function _refund(address requester, uint256 batchId) private {
        Batch storage b = _batches[requester][batchId];
        b.closed = true;
        uint256 refund = b.escrow - b.burned;
        if (refund > 0) IERC20(address(cop)).safeTransfer(requester, refund);
        emit BatchClosed(batchId, requester, refund);
    }
}
