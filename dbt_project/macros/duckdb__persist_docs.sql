{#-
    persist_docs on DuckDB: the table's and its columns' descriptions as comments (docs/bi.md),
    in one statement after one look at the table's columns. dbt's default runs the table's
    comment, looks the columns up twice (once itself, once in dbt-duckdb's
    alter_column_comment) and then comments them: four statements per model instead of two.
    Documented columns the table lacks are left out (and warned about), as dbt does.
-#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
  {%- set comments = [] -%}
  {%- if for_relation and config.persist_relation_docs() and model.description -%}
    {%- do comments.append(alter_relation_comment(relation, model.description)) -%}
  {%- endif -%}
  {%- if for_columns and config.persist_column_docs() and model.columns -%}
    {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute="name") | list -%}
    {%- set documented = validate_doc_columns(relation, model.columns, existing) -%}
    {%- for name, column in documented.items() -%}
      {%- do comments.append(
          "comment on column " ~ relation ~ "." ~ (adapter.quote(name) if column['quote'] else name)
          ~ " is " ~ duckdb_escape_comment(column['description']) ~ ";") -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if comments -%}
    {%- do run_query(comments | join("\n")) -%}
  {%- endif -%}
{%- endmacro %}
