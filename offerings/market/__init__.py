"""Market and listing data: providers (CoinGecko), the refresh and what it stores."""
