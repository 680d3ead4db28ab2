// SPDX-License-Identifier: MIT
// COP: the unit in which Terraflop prices and rewards compute. Only the CreditLedger that deploys it mints;
// anyone may burn their own (ComputeMarket burns what requesters pay).
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

contract COP is ERC20, ERC20Burnable {
    /// The only address that may mint: the CreditLedger, which creates this token in its constructor.
    address public immutable minter;

    error NotMinter(address caller);

    constructor() ERC20("Terraflop Compute", "COP") {
        minter = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        _mint(to, amount);
    }
}
