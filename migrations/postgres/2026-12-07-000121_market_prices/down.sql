DROP TABLE market_prices;
