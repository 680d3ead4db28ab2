// SPDX-License-Identifier: MIT
// ComputeMarket: a commercial requester escrows COP for a batch at the published price per credit; the coordinator
// settles as units are validated, burning the COP for the credit done, and the rest is refunded when the batch
// closes or is cancelled.
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {COP} from "./COP.sol";

contract ComputeMarket is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    bytes32 public constant PRICER_ROLE = keccak256("PRICER_ROLE");

    /// One escrow. Credit is in credit wei (1e18 = 1 credit); prices are COP wei per whole credit.
    struct Batch {
        address requester;
        bool closed;
        uint256 price;
        uint256 escrow;
        uint256 burned;
        uint256 settledCredit;
    }

    COP public immutable cop;
    /// The published price, in COP wei per credit, that a batch opened now pays.
    uint256 public pricePerCredit;
    mapping(uint256 => Batch) private _batches;

    event PriceSet(uint256 pricePerCredit);
    event BatchOpened(uint256 indexed batchId, address indexed requester, uint256 escrow, uint256 price);
    event Settled(uint256 indexed batchId, uint256 credit, uint256 burned);
    event BatchClosed(uint256 indexed batchId, uint256 refund);

    error BatchExists(uint256 batchId);
    error UnknownBatch(uint256 batchId);
    error BatchIsClosed(uint256 batchId);
    error CreditWentBack(uint256 settled, uint256 given);
    error NotRequesterOrSettler(address caller);
    error ZeroEscrow();

    constructor(COP token, address admin, address coordinator, uint256 price) {
        cop = token;
        pricePerCredit = price;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(SETTLER_ROLE, coordinator);
        _grantRole(PRICER_ROLE, coordinator);
        emit PriceSet(price);
    }

    function setPrice(uint256 price) external onlyRole(PRICER_ROLE) {
        pricePerCredit = price;
        emit PriceSet(price);
    }

    function batches(uint256 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// Escrows `amount` COP (approved beforehand) for batch `batchId` at today's price.
    function open(uint256 batchId, uint256 amount) external {
        if (_batches[batchId].requester != address(0)) revert BatchExists(batchId);
        if (amount == 0) revert ZeroEscrow();
        _batches[batchId] = Batch(msg.sender, false, pricePerCredit, amount, 0, 0);
        IERC20(address(cop)).safeTransferFrom(msg.sender, address(this), amount);
        emit BatchOpened(batchId, msg.sender, amount, pricePerCredit);
    }

    /// Burns the COP owed for the batch's cumulative validated credit `credit`, never more than its escrow.
    function settle(uint256 batchId, uint256 credit) public onlyRole(SETTLER_ROLE) {
        Batch storage b = _open(batchId);
        if (credit < b.settledCredit) revert CreditWentBack(b.settledCredit, credit);
        uint256 owed = credit * b.price / 1e18;
        if (owed > b.escrow) owed = b.escrow;
        uint256 burn = owed - b.burned;
        b.settledCredit = credit;
        b.burned = owed;
        if (burn > 0) cop.burn(burn);
        emit Settled(batchId, credit, burn);
    }

    /// The batch is done: settle its final credit and refund the rest of its escrow.
    function close(uint256 batchId, uint256 finalCredit) external onlyRole(SETTLER_ROLE) {
        settle(batchId, finalCredit);
        _refund(batchId);
    }

    /// The requester (or the coordinator) cancels: what was settled stays burned, the rest goes back.
    function cancel(uint256 batchId) external {
        Batch storage b = _open(batchId);
        if (msg.sender != b.requester && !hasRole(SETTLER_ROLE, msg.sender)) revert NotRequesterOrSettler(msg.sender);
        _refund(batchId);
    }

    function _open(uint256 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.requester == address(0)) revert UnknownBatch(batchId);
        if (b.closed) revert BatchIsClosed(batchId);
    }

    function _refund(uint256 batchId) private {
        Batch storage b = _batches[batchId];
        b.closed = true;
        uint256 refund = b.escrow - b.burned;
        if (refund > 0) IERC20(address(cop)).safeTransfer(b.requester, refund);
        emit BatchClosed(batchId, refund);
    }
}
