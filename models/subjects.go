package models

// BaseSubjects are the Commerce Layer Core API resource types a role can be given rights
// on: the values of a permission's subject. A new organization's admin and read_only roles
// get a permission for each, and _add_missing_base_permissions adds the ones a role lacks.
var BaseSubjects = []string{
	"addresses", "adjustments", "attachments", "authorizations", "billing_info_validation_rules",
	"bundles", "buy_x_pay_y_promotions", "captures", "carrier_accounts", "cleanups",
	"coupon_codes_promotion_rules", "coupon_recipients", "coupons", "custom_promotion_rules",
	"customer_addresses", "customer_groups", "customer_password_resets", "customer_payment_sources",
	"customer_subscriptions", "customers", "delivery_lead_times", "discount_engines", "events",
	"exports", "external_gateways", "external_promotions", "external_tax_calculators",
	"fixed_amount_promotions", "fixed_price_promotions", "flex_promotions", "free_gift_promotions",
	"free_shipping_promotions", "geocoders", "gift_card_recipients", "gift_cards", "imports",
	"in_stock_subscriptions", "inventory_models", "inventory_return_locations",
	"inventory_stock_locations", "line_item_options", "line_items", "links", "manual_gateways",
	"manual_tax_calculators", "markets", "merchants", "order_amount_promotion_rules",
	"order_copies", "order_factories", "order_subscription_items", "order_subscriptions", "orders",
	"packages", "parcel_line_items", "parcels", "payment_gateways", "payment_methods",
	"payment_options", "percentage_discount_promotions", "picking_lists", "price_frequency_tiers",
	"price_list_schedulers", "price_lists", "price_tiers", "price_volume_tiers", "prices",
	"promotion_rules", "promotions", "recurring_order_copies", "refunds", "reserved_stocks",
	"return_line_items", "returns", "shipments", "shipping_categories", "shipping_method_tiers",
	"shipping_methods", "shipping_weight_tiers", "shipping_zones", "sku_list_items",
	"sku_list_promotion_rules", "sku_lists", "sku_options", "skus", "stock_items",
	"stock_line_items", "stock_locations", "stock_reservations", "stock_transfers", "stores",
	"subscription_models", "tags", "tax_calculators", "tax_categories", "tax_rules",
	"transactions", "voids", "webhooks", "wire_transfers",
}

// AppKinds are the kinds of Commerce Layer's hosted apps, which an API credential can fork.
var AppKinds = []string{
	"bundles", "customers", "dashboard", "exports", "gift_cards", "imports", "inventory",
	"orders", "price_lists", "promotions", "resources", "returns", "shipments", "sku_lists",
	"skus", "stock_transfers", "subscriptions", "tags", "webhooks",
}

// Kinds of API credentials: the three channel kinds, or a hosted app's kind.
var CredentialKinds = append([]string{"webapp", "sales_channel", "integration"}, AppKinds...)

// AccessScopes are what a membership or membership profile may reach.
var AccessScopes = []string{"live_access", "test_access", "all_access"}
