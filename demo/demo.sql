-- semantic_views demo: a small coffee-shop star schema (demo/data/*.csv).
.print '== load the sample data'
CREATE TABLE regions AS FROM read_csv('@DATA@/regions.csv');
CREATE TABLE customers AS FROM read_csv('@DATA@/customers.csv');
CREATE TABLE products AS FROM read_csv('@DATA@/products.csv');
CREATE TABLE orders AS FROM read_csv('@DATA@/orders.csv');
CREATE TABLE order_items AS FROM read_csv('@DATA@/order_items.csv');
CREATE TABLE loyalty_points AS FROM read_csv('@DATA@/loyalty_points.csv');

.print '== define the semantic view once'
PRAGMA define_semantic_view('shop', '{
  "comment": "Coffee shop sales",
  "tables": [
    {"alias": "i", "table": "order_items", "primary_key": ["order_id", "line_number"]},
    {"alias": "o", "table": "orders", "primary_key": ["id"]},
    {"alias": "c", "table": "customers", "primary_key": ["id"]},
    {"alias": "r", "table": "regions", "primary_key": ["id"]},
    {"alias": "p", "table": "products", "primary_key": ["id"]}
  ],
  "relationships": [
    {"name": "item_order", "from": "i", "from_columns": ["order_id"], "to": "o"},
    {"name": "item_product", "from": "i", "from_columns": ["product_id"], "to": "p"},
    {"name": "order_customer", "from": "o", "from_columns": ["customer_id"], "to": "c"},
    {"name": "customer_region", "from": "c", "from_columns": ["region_id"], "to": "r"}
  ],
  "facts": [{"table": "i", "name": "line_total", "expr": "quantity * unit_price"}],
  "dimensions": [
    {"table": "r", "name": "region", "expr": "r.name"},
    {"table": "c", "name": "segment", "expr": "segment"},
    {"table": "p", "name": "category", "expr": "category"},
    {"table": "o", "name": "month", "expr": "date_trunc(''month'', ordered_at)::DATE"},
    {"table": "o", "name": "status", "expr": "status"}
  ],
  "metrics": [
    {"table": "i", "name": "revenue", "expr": "round(sum(line_total), 2)"},
    {"table": "i", "name": "units", "expr": "sum(quantity)"},
    {"table": "o", "name": "orders", "expr": "count(*)"},
    {"table": "c", "name": "customers", "expr": "count(*)"},
    {"name": "revenue_per_order", "expr": "round(revenue / orders, 2)"}
  ]
}');
SELECT view_name, comment FROM list_semantic_views();

.print '== 1. revenue and orders by region (two grains, combined without double counting)'
SELECT * FROM semantic_view('shop', dimensions := ['region'], metrics := ['revenue', 'orders', 'revenue_per_order']) ORDER BY region NULLS LAST;

.print '== 2. units by product category and month, shipped orders only'
SELECT * FROM semantic_view('shop', dimensions := ['category', 'month'], metrics := ['units'], where_clause := 'status = ''shipped''') ORDER BY month, category;

.print '== 3. customers per region and segment (a dimension table metric: no fan-out from orders)'
SELECT * FROM semantic_view('shop', dimensions := ['region', 'segment'], metrics := ['customers']) ORDER BY ALL;

.print '== the SQL the extension writes'
.mode line
SELECT sql FROM explain_semantic_view('shop', dimensions := ['region'], metrics := ['revenue', 'orders']);
.mode duckbox

.print '== the same model in Snowflake-compatible SQL'
CREATE SEMANTIC VIEW shop_sql AS
  TABLES (o AS orders PRIMARY KEY (id), c AS customers PRIMARY KEY (id), r AS regions PRIMARY KEY (id))
  RELATIONSHIPS (o (customer_id) REFERENCES c, c (region_id) REFERENCES r)
  DIMENSIONS (r.region AS r.name, o.status AS status)
  METRICS (o.orders AS count(*), c.customers AS count(*));
SELECT * FROM SEMANTIC_VIEW(shop_sql DIMENSIONS region METRICS orders, customers) ORDER BY region NULLS LAST;

.print '== plain SQL: any tool that writes SELECT ... GROUP BY gets the same numbers'
SELECT region, AGG(orders) AS orders, AGG(customers) AS customers FROM shop_sql GROUP BY region ORDER BY region NULLS LAST;

.print '== subtotals: each ROLLUP level is aggregated at its own grain (distinct counts are counted, not summed)'
SELECT region, AGG(customers) AS customers, count(DISTINCT status) AS statuses, GROUPING(region) AS total
FROM shop_sql GROUP BY ROLLUP (region) ORDER BY total, region NULLS LAST;

.print '== window metrics: month over month and a running total, computed over the result'
CREATE SEMANTIC VIEW shop_trends AS
  TABLES (i AS order_items PRIMARY KEY (order_id, line_number), o AS orders PRIMARY KEY (id))
  RELATIONSHIPS (i (order_id) REFERENCES o)
  DIMENSIONS (o.month AS date_trunc('month', ordered_at)::DATE)
  METRICS (
    i.revenue AS round(sum(quantity * unit_price), 2)::DECIMAL(12, 2),
    i.revenue_prev_month AS LAG(i.revenue) OVER (PARTITION BY EXCLUDING o.month ORDER BY o.month),
    i.revenue_change AS i.revenue - i.revenue_prev_month,
    i.revenue_running AS SUM(i.revenue) OVER (PARTITION BY EXCLUDING o.month ORDER BY o.month ROWS UNBOUNDED PRECEDING));
SELECT * FROM SEMANTIC_VIEW(shop_trends DIMENSIONS month METRICS revenue, revenue_prev_month, revenue_change, revenue_running) ORDER BY month;

.print '== a semi-additive metric: loyalty points are a weekly balance, never summed over weeks'
CREATE SEMANTIC VIEW loyalty AS
  TABLES (l AS loyalty_points PRIMARY KEY (customer_id, snapshot_date), c AS customers PRIMARY KEY (id), r AS regions PRIMARY KEY (id))
  RELATIONSHIPS (l (customer_id) REFERENCES c, c (region_id) REFERENCES r)
  DIMENSIONS (l.week AS snapshot_date, r.region AS r.name)
  METRICS (
    l.balance NON ADDITIVE BY (week) AS sum(points),
    l.balance_summed_over_weeks AS sum(points));
SELECT * FROM SEMANTIC_VIEW(loyalty DIMENSIONS region METRICS balance, balance_summed_over_weeks) ORDER BY region;

.print '== trust, but verify: the declared keys checked against the data (orphans are reported, not violations)'
SELECT check_kind, object, status, violations, detail FROM verify_semantic_view('shop_sql');

.print '== the model out as Open Semantic Interchange YAML (first lines; PRAGMA import_semantic_models reads it back)'
SELECT unnest(string_split(semantic_view_to_yaml('shop_sql', 'osi'), chr(10))[1:14]) AS osi_yaml;

.print '== a fan trap is refused, with the way out'
SELECT * FROM semantic_view('shop', dimensions := ['category'], metrics := ['orders']);
